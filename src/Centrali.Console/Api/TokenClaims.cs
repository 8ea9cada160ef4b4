namespace Centrali.Console.Api;

/// <summary>
/// What an API token's principal carries: the scheme and policy names and the claim types, written by the token handler
/// (Auth) and read by the API group, the audit log and the delivery hub.
/// </summary>
public static class TokenClaims
{
    public const string Scheme = "ApiToken";
    public const string Policy = "ApiToken";
    public const string WorkspaceId = "centrali:workspace_id";
    public const string WorkspaceSlug = "centrali:workspace";
    public const string TokenHint = "centrali:token_hint";
    public const string Scope = "centrali:scope";
    public const string Role = "centrali:role";
    public const string OwnerId = "centrali:owner_id";
    public const string OwnerEmail = "centrali:owner_email";
}

/// <summary>What a token may do: read answers only GET; write also changes what its owner's role allows.</summary>
public static class TokenScope
{
    public const string Read = "read";
    public const string Write = "write";

    public static bool IsKnown(string? scope) => scope is Read or Write;
}
