using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;

namespace Centrali.Console.Auth;

/// <summary>Bearer tokens for the REST API and the delivery hub (also as ?access_token= for WebSockets).</summary>
public sealed class ApiTokenAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";
    public const string Policy = "ApiToken";
    public const string WorkspaceIdClaim = "centrali:workspace_id";
    public const string WorkspaceSlugClaim = "centrali:workspace";
    public const string TokenHintClaim = "centrali:token_hint";
    public const string ScopeClaim = "centrali:scope";
    public const string RoleClaim = "centrali:role";
    public const string OwnerIdClaim = "centrali:owner_id";
    public const string OwnerEmailClaim = "centrali:owner_email";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var value = BearerValue();
        if (value is null) return AuthenticateResult.NoResult();
        var identity = await tokens.AuthenticateAsync(value);
        if (identity is null) return AuthenticateResult.Fail("The token is unknown, revoked or expired.");
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, identity.TokenId.ToString()),
            new Claim(WorkspaceIdClaim, identity.WorkspaceId.ToString()),
            new Claim(WorkspaceSlugClaim, identity.WorkspaceSlug),
            new Claim(TokenHintClaim, identity.Hint),
            new Claim(ScopeClaim, identity.Scope),
            new Claim(RoleClaim, identity.Role),
            new Claim(OwnerIdClaim, identity.OwnerId),
            new Claim(OwnerEmailClaim, identity.OwnerEmail),
        ], SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    string? BearerValue()
    {
        string header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header["Bearer ".Length..].Trim() is { Length: > 0 } v ? v : null;
        // Browsers cannot set headers on WebSockets, so the hub also takes the token in the query.
        if (Request.Path.StartsWithSegments("/hubs") && Request.Query["access_token"].ToString() is { Length: > 0 } q)
            return q;
        return null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "A valid bearer token is required.",
            detail: "Send 'Authorization: Bearer <token>' with a token of this workspace.").ExecuteAsync(Context);
    }
}
