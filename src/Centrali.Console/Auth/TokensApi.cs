using Centrali.Console.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Auth;

public static class TokensApi
{
    /// <summary>GET/POST /tokens, DELETE /tokens/{id}: developers see and revoke their own tokens, owners every token of the workspace.</summary>
    public static RouteGroupBuilder MapTokensApi(this RouteGroupBuilder api)
    {
        api.MapGet("/whoami", (HttpContext http) => TypedResults.Ok(new One<WhoAmI>(new WhoAmI(
            http.WorkspaceSlug(), http.User.FindFirst(TokenClaims.TokenHint)!.Value, http.WorkspaceRoleOf(), http.TokenScopeOf()))))
            .WithTags("Tokens")
            .Doc("Check a token", "The workspace the token belongs to, the token's hint, its owner's role in the workspace and the token's scope: the cheapest call that proves a token works.",
                response: """{"data":{"workspace":"default","tokenHint":"cct_…x7Qa","role":"owner","scope":"write"}}""");

        var tokens = api.MapGroup("/tokens").WithTags("Tokens").RequireWorkspaceRole(WorkspaceRole.Developer);

        tokens.MapGet("", async (HttpContext http, TokenService service, CancellationToken ct) =>
            TypedResults.Ok(new Page<TokenView>(await service.ListAsync(http.WorkspaceId(), http.TokenOwnerId(), http.WorkspaceRoleOf(), ct), null)))
            .Doc("List tokens", "Owners see every token of the workspace, developers the ones they made. Values are never shown, only each token's hint.",
                response: """{"data":[{"id":"0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b","name":"CI","hint":"cct_…x7Qa","scope":"read","owner":"dev@example.com","createdAt":"2026-12-01T09:40:00Z","expiresAt":"2027-03-01T00:00:00Z","lastUsedAt":null,"revokedAt":null}],"nextCursor":null}""");

        tokens.MapPost("", async Task<Created<One<CreatedTokenView>>> (HttpContext http, TokenService service, TokenInput body, CancellationToken ct) =>
        {
            var created = await service.CreateAsync(http.WorkspaceId(), http.TokenOwnerId(), body, ct);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Token.Id}", new One<CreatedTokenView>(CreatedTokenView.From(created)));
        }).Doc("Create a token", "A token for this workspace, owned by the user who owns the calling token: `scope` `write` (default) or `read`, optional `expiresAt`. The value is answered this once and stored only as a hash.",
            errors: [400], request: """{"name":"CI","scope":"read","expiresAt":"2027-03-01T00:00:00Z"}""",
            response: """{"data":{"id":"0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b","name":"CI","hint":"cct_…x7Qa","scope":"read","owner":"dev@example.com","createdAt":"2026-12-01T09:40:00Z","expiresAt":"2027-03-01T00:00:00Z","value":"cct_Zk3…x7Qa"}}""");

        tokens.MapDelete("/{id:guid}", async Task<NoContent> (HttpContext http, TokenService service, Guid id, CancellationToken ct) =>
        {
            await service.RevokeAsync(http.WorkspaceId(), id, http.TokenOwnerId(), http.WorkspaceRoleOf(), ct);
            return TypedResults.NoContent();
        }).Doc("Revoke a token", "The token answers 401 from the next request on, and a delivery hub connection using it is closed within seconds. Developers revoke their own tokens, owners any.");

        return api;
    }
}

/// <summary>The answer to POST /tokens: the token and, this once, its value.</summary>
public sealed record CreatedTokenView(Guid Id, string Name, string Hint, string Scope, string? Owner, DateTime CreatedAt, DateTime? ExpiresAt, string Value)
{
    public static CreatedTokenView From(CreatedToken c) =>
        new(c.Token.Id, c.Token.Name, c.Token.Hint, c.Token.Scope, c.Token.Owner, c.Token.CreatedAt, c.Token.ExpiresAt, c.Value);
}

public sealed record WhoAmI(string Workspace, string TokenHint, string Role, string Scope);
