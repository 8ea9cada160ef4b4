using System.Security.Claims;
using System.Text.Encodings.Web;
using Centrali.Console.Api;
using Microsoft.AspNetCore.Authentication;

namespace Centrali.Console.Auth;

/// <summary>Bearer tokens for the REST API and the delivery hub (also as ?access_token= for WebSockets).</summary>
public sealed class ApiTokenAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenService tokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var value = BearerValue();
        if (value is null) return AuthenticateResult.NoResult();
        var identity = await tokens.AuthenticateAsync(value);
        if (identity is null) return AuthenticateResult.Fail("The token is unknown, revoked or expired.");
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, identity.TokenId.ToString()),
            new Claim(TokenClaims.WorkspaceId, identity.WorkspaceId.ToString()),
            new Claim(TokenClaims.WorkspaceSlug, identity.WorkspaceSlug),
            new Claim(TokenClaims.TokenHint, identity.Hint),
            new Claim(TokenClaims.Scope, identity.Scope),
            new Claim(TokenClaims.Role, identity.Role),
            new Claim(TokenClaims.OwnerId, identity.OwnerId),
            new Claim(TokenClaims.OwnerEmail, identity.OwnerEmail),
        ], TokenClaims.Scheme));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, TokenClaims.Scheme));
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
