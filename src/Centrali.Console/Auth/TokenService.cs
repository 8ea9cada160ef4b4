using System.Security.Cryptography;
using Centrali.Console.Api;
using Centrali.Console.Audit;

namespace Centrali.Console.Auth;

public sealed record TokenView(Guid Id, string Name, string Hint, string Scope, string? Owner, DateTime CreatedAt, DateTime? ExpiresAt,
    DateTime? LastUsedAt, DateTime? RevokedAt)
{
    public bool IsActive(DateTime now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>A token's value, returned once at creation and never again.</summary>
public sealed record CreatedToken(TokenView Token, string Value);

/// <summary>What a live token may do: its scope, and its owner's role in its workspace right now.</summary>
public sealed record TokenIdentity(Guid TokenId, Guid WorkspaceId, string WorkspaceSlug, string Hint, string Scope, string OwnerId, string OwnerEmail, string Role);

/// <summary>The body of POST /tokens.</summary>
public sealed record TokenInput(string? Name, string? Scope, DateTime? ExpiresAt);

/// <summary>
/// API tokens: each belongs to the console user who made it and works for one workspace, with scope read or write,
/// until it expires or is revoked. Its rights are never more than its owner's current role there.
/// </summary>
public sealed class TokenService(IDbContextFactory<AppDbContext> dbs, TimeProvider time, AuditLog audit, RevocableConnections connections, LiveTokens live)
{
    static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    /// <summary>Owners see every token of the workspace; developers only their own.</summary>
    public async Task<List<TokenView>> ListAsync(Guid workspaceId, string userId, string role, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var tokens = db.ApiTokens.Where(t => t.WorkspaceId == workspaceId);
        if (role != WorkspaceRole.Owner) tokens = tokens.Where(t => t.OwnerId == userId);
        var rows = await (from t in tokens
                          join u in db.Users on t.OwnerId equals u.Id into owners
                          from u in owners.DefaultIfEmpty()
                          orderby t.Id descending
                          select new { t, Email = u == null ? null : u.Email }).ToListAsync(ct);
        return rows.Select(r => ToView(r.t, r.Email)).ToList();
    }

    public async Task<CreatedToken> CreateAsync(Guid workspaceId, string ownerId, TokenInput input, CancellationToken ct = default)
    {
        var name = input.Name?.Trim() ?? "";
        var scope = input.Scope ?? TokenScope.Write;
        var now = time.GetUtcNow().UtcDateTime;
        var errors = new Dictionary<string, string[]>();
        if (name.Length is 0 or > 200) errors["name"] = ["A token needs a name of 1 to 200 characters."];
        if (!TokenScope.IsKnown(scope)) errors["scope"] = ["scope is read or write."];
        if (input.ExpiresAt is { } e && e.ToUniversalTime() <= now) errors["expiresAt"] = ["expiresAt must be in the future."];
        if (errors.Count > 0) throw ServiceException.Invalid(errors);

        await using var db = await dbs.CreateDbContextAsync(ct);
        var role = await db.WorkspaceMembers.Where(m => m.WorkspaceId == workspaceId && m.UserId == ownerId).Select(m => m.Role).FirstOrDefaultAsync(ct);
        if (!WorkspaceRole.Allows(role, WorkspaceRole.Developer))
            throw new ServiceException(StatusCodes.Status403Forbidden, "Only developers and owners of this workspace make tokens.");
        var value = "cct_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = await InsertAsync(db, workspaceId, ownerId, value, name, scope, input.ExpiresAt?.ToUniversalTime(), ct);
        var email = await db.Users.Where(u => u.Id == ownerId).Select(u => u.Email).FirstOrDefaultAsync(ct);
        await audit.RecordAsync(workspaceId, AuditActions.TokenCreated, $"{name} ({token.Hint})", new { token.Id, scope, expiresAt = token.ExpiresAt }, ct);
        return new CreatedToken(ToView(token, email), value);
    }

    /// <summary>Bootstrap:ApiToken — a write token with exactly this value exists for the workspace, owned by the bootstrap admin.</summary>
    public async Task EnsureAsync(Guid workspaceId, string ownerId, string value, string name)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var hash = Hash(value);
        var existing = await db.ApiTokens.FirstOrDefaultAsync(t => t.Hash == hash);
        if (existing is null) await InsertAsync(db, workspaceId, ownerId, value, name, TokenScope.Write, null, default);
        else if (existing.OwnerId is null) { existing.OwnerId = ownerId; await db.SaveChangesAsync(); }
    }

    /// <summary>Owners revoke any token of the workspace, developers their own; 404 for anything else.</summary>
    public async Task RevokeAsync(Guid workspaceId, Guid tokenId, string userId, string role, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.WorkspaceId == workspaceId
                        && (role == WorkspaceRole.Owner || t.OwnerId == userId), ct)
            ?? throw ServiceException.NotFound("Token");
        if (token.RevokedAt is not null) return;
        token.RevokedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        connections.Recheck();
        await audit.RecordAsync(workspaceId, AuditActions.TokenRevoked, $"{token.Name} ({token.Hint})", new { token.Id }, ct);
    }

    /// <summary>
    /// The live token with this value, or null: not revoked, not expired, its owner still a member. Revocation and role
    /// changes made on this instance take effect at once (they clear <see cref="LiveTokens"/>); on another instance within
    /// its two-second lifetime, as the hub's re-check does.
    /// </summary>
    public async Task<TokenIdentity?> AuthenticateAsync(string value)
    {
        var hash = Hash(value);
        var now = time.GetUtcNow().UtcDateTime;
        if (live.Cache.TryGet(hash, out var cached) && (cached.ExpiresAt is null || cached.ExpiresAt > now) && now - cached.LastUsedAt <= LastUseResolution)
            return cached.Identity;

        await using var db = await dbs.CreateDbContextAsync();
        var found = await (from t in db.ApiTokens
                           join w in db.Workspaces on t.WorkspaceId equals w.Id
                           join m in db.WorkspaceMembers on new { t.WorkspaceId, UserId = t.OwnerId! } equals new { m.WorkspaceId, m.UserId }
                           join u in db.Users on m.UserId equals u.Id
                           where t.Hash == hash && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now)
                           select new { t.Id, t.WorkspaceId, w.Slug, t.Hint, t.Scope, t.ExpiresAt, t.LastUsedAt, m.UserId, u.Email, m.Role }).FirstOrDefaultAsync();
        if (found is null || !WorkspaceRole.Allows(found.Role, WorkspaceRole.Developer)) return null;
        // Recording every single use would turn each API read into a write.
        var lastUsed = found.LastUsedAt ?? DateTime.MinValue;
        if (now - lastUsed > LastUseResolution)
        {
            await db.ApiTokens.Where(t => t.Id == found.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now));
            lastUsed = now;
        }
        var identity = new TokenIdentity(found.Id, found.WorkspaceId, found.Slug, found.Hint, found.Scope, found.UserId, found.Email ?? "", found.Role);
        live.Cache.Set(hash, new LiveToken(identity, found.ExpiresAt, lastUsed));
        return identity;
    }

    /// <summary>Of these token ids, the ones that no longer authenticate (revoked, expired, owner gone or demoted).</summary>
    public async Task<HashSet<Guid>> DeadAsync(IReadOnlyCollection<Guid> tokenIds, CancellationToken ct = default)
    {
        if (tokenIds.Count == 0) return [];
        await using var db = await dbs.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        var alive = await (from t in db.ApiTokens
                           join m in db.WorkspaceMembers on new { t.WorkspaceId, UserId = t.OwnerId! } equals new { m.WorkspaceId, m.UserId }
                           where tokenIds.Contains(t.Id) && t.RevokedAt == null && (t.ExpiresAt == null || t.ExpiresAt > now)
                                 && (m.Role == WorkspaceRole.Developer || m.Role == WorkspaceRole.Owner)
                           select t.Id).ToListAsync(ct);
        return tokenIds.Except(alive).ToHashSet();
    }

    async Task<ApiToken> InsertAsync(AppDbContext db, Guid workspaceId, string ownerId, string value, string name, string scope, DateTime? expiresAt, CancellationToken ct)
    {
        var token = new ApiToken
        {
            WorkspaceId = workspaceId,
            OwnerId = ownerId,
            Name = name,
            Hash = Hash(value),
            Hint = Hint(value),
            Scope = scope,
            ExpiresAt = expiresAt,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        return token;
    }

    static TokenView ToView(ApiToken t, string? ownerEmail) =>
        new(t.Id, t.Name, t.Hint, t.Scope, ownerEmail, t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt);

    public static string Hint(string value) => value.Length > 8 ? $"{value[..4]}…{value[^4..]}" : "…";

    static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
