using System.Security.Cryptography;
using System.Text;
using Centrali.Console.Api;
using Centrali.Console.Data;
using Centrali.Console.Workspaces;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Auth;

public sealed record TokenView(Guid Id, string Name, string Hint, DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A token's value, returned once at creation and never again.</summary>
public sealed record CreatedToken(TokenView Token, string Value);

public sealed record TokenIdentity(Guid TokenId, Guid WorkspaceId, string WorkspaceSlug, string Hint);

public sealed class TokenService(IDbContextFactory<AppDbContext> dbs, TimeProvider time)
{
    static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<List<TokenView>> ListAsync(Guid workspaceId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var rows = await db.ApiTokens.Where(t => t.WorkspaceId == workspaceId).OrderByDescending(t => t.Id).ToListAsync();
        return rows.Select(ToView).ToList();
    }

    public async Task<CreatedToken> CreateAsync(Guid workspaceId, string name)
    {
        name = name.Trim();
        if (name.Length is 0 or > 200) throw ServiceException.Invalid("name", "A token needs a name of 1 to 200 characters.");
        var value = "cct_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var token = await InsertAsync(workspaceId, value, name);
        return new CreatedToken(ToView(token), value);
    }

    /// <summary>Bootstrap:ApiToken — a token with exactly this value exists for the workspace.</summary>
    public async Task EnsureAsync(Guid workspaceId, string value, string name)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var hash = Hash(value);
        var existing = await db.ApiTokens.FirstOrDefaultAsync(t => t.Hash == hash);
        if (existing is null) await InsertAsync(workspaceId, value, name);
    }

    public async Task RevokeAsync(Guid workspaceId, Guid tokenId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.WorkspaceId == workspaceId)
            ?? throw ServiceException.NotFound("Token");
        token.RevokedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync();
    }

    /// <summary>The live (unrevoked) token with this value, or null; checked on every request so revocation is immediate.</summary>
    public async Task<TokenIdentity?> AuthenticateAsync(string value)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var hash = Hash(value);
        var found = await (from t in db.ApiTokens
                           join w in db.Workspaces on t.WorkspaceId equals w.Id
                           where t.Hash == hash && t.RevokedAt == null
                           select new { t.Id, t.WorkspaceId, w.Slug, t.Hint, t.LastUsedAt }).FirstOrDefaultAsync();
        if (found is null) return null;
        var now = time.GetUtcNow().UtcDateTime;
        // Recording every single use would turn each API read into a write.
        if (found.LastUsedAt is null || now - found.LastUsedAt > LastUseResolution)
            await db.ApiTokens.Where(t => t.Id == found.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now));
        return new TokenIdentity(found.Id, found.WorkspaceId, found.Slug, found.Hint);
    }

    async Task<ApiToken> InsertAsync(Guid workspaceId, string value, string name)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var token = new ApiToken
        {
            WorkspaceId = workspaceId,
            Name = name,
            Hash = Hash(value),
            Hint = Hint(value),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync();
        return token;
    }

    static TokenView ToView(ApiToken t) => new(t.Id, t.Name, t.Hint, t.CreatedAt, t.LastUsedAt, t.RevokedAt);

    public static string Hint(string value) => value.Length > 8 ? $"{value[..4]}…{value[^4..]}" : "…";

    static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
