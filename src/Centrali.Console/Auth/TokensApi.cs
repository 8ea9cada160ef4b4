using Centrali.Console.Api;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Auth;

public static class TokensApi
{
    /// <summary>GET/POST /tokens, DELETE /tokens/{id}: developers see and revoke their own tokens, owners every token of the workspace.</summary>
    public static RouteGroupBuilder MapTokensApi(this RouteGroupBuilder api)
    {
        var tokens = api.MapGroup("/tokens").WithTags("Tokens").RequireWorkspaceRole(WorkspaceRole.Developer);

        tokens.MapGet("", async (HttpContext http, TokenService service, CancellationToken ct) =>
            TypedResults.Ok(new Page<TokenView>(await service.ListAsync(http.WorkspaceId(), http.TokenOwnerId(), http.WorkspaceRoleOf(), ct), null)));

        tokens.MapPost("", async Task<Created<One<CreatedTokenView>>> (HttpContext http, TokenService service, TokenInput body, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(http.WorkspaceId(), http.TokenOwnerId(), body, ct);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Token.Id}", new One<CreatedTokenView>(CreatedTokenView.From(created)));
        });

        tokens.MapDelete("/{id:guid}", async Task<NoContent> (HttpContext http, TokenService service, Guid id, CancellationToken ct) =>
        {
            await service.RevokeAsync(http.WorkspaceId(), id, http.TokenOwnerId(), http.WorkspaceRoleOf(), ct);
            return TypedResults.NoContent();
        });

        return api;
    }
}

/// <summary>The answer to POST /tokens: the token and, this once, its value.</summary>
public sealed record CreatedTokenView(Guid Id, string Name, string Hint, string Scope, string? Owner, DateTime CreatedAt, DateTime? ExpiresAt, string Value)
{
    public static CreatedTokenView From(CreatedToken c) =>
        new(c.Token.Id, c.Token.Name, c.Token.Hint, c.Token.Scope, c.Token.Owner, c.Token.CreatedAt, c.Token.ExpiresAt, c.Value);
}
