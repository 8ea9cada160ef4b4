namespace Centrali.Console.Auth;

/// <summary>A token found live a moment ago, with what is needed to keep honouring its expiry and last-use record.</summary>
public sealed record LiveToken(TokenIdentity Identity, DateTime? ExpiresAt, DateTime LastUsedAt);

/// <summary>
/// Recently authenticated tokens by hash, so an API client's every call is not a four-table join. Anything that can take a
/// token's rights away (revocation, a role change, a member or user removed) clears it through
/// <see cref="RevocableConnections.Recheck"/>.
/// </summary>
public sealed class LiveTokens
{
    public ShortLivedCache<string, LiveToken> Cache { get; } = new(TimeSpan.FromSeconds(2));
}
