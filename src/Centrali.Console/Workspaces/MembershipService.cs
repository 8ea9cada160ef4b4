using Centrali.Console.Audit;

namespace Centrali.Console.Workspaces;

public sealed record MemberView(string UserId, string Email, string Role, DateTime CreatedAt);

/// <summary>A workspace the user belongs to, with their role there.</summary>
public sealed record Membership(Workspace Workspace, string Role);

/// <summary>
/// Who belongs to which workspace with which role. Owners change members; instance admins may add themselves to
/// any workspace. A workspace always keeps one owner, and a role change revokes the tokens the new role does not allow.
/// </summary>
public sealed class MembershipService(IDbContextFactory<AppDbContext> dbs, TimeProvider time, AuditLog audit, IAccessRecheck access)
{
    public async Task<List<MemberView>> ListAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await (from m in db.WorkspaceMembers
                      join u in db.Users on m.UserId equals u.Id
                      where m.WorkspaceId == workspaceId
                      orderby u.Email
                      select new MemberView(u.Id, u.Email ?? "", m.Role, m.CreatedAt)).ToListAsync(ct);
    }

    /// <summary>The workspaces a console user may open, by slug.</summary>
    public async Task<List<Membership>> WorkspacesOfAsync(string userId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var rows = await (from m in db.WorkspaceMembers
                          join w in db.Workspaces on m.WorkspaceId equals w.Id
                          where m.UserId == userId
                          orderby w.Slug
                          select new { w, m.Role }).ToListAsync(ct);
        return rows.Select(r => new Membership(r.w, r.Role)).ToList();
    }

    /// <summary>The user's role in the workspace, or null when they are not a member.</summary>
    public async Task<string?> RoleOfAsync(Guid workspaceId, string userId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.WorkspaceMembers.Where(m => m.WorkspaceId == workspaceId && m.UserId == userId).Select(m => m.Role).FirstOrDefaultAsync(ct);
    }

    /// <summary>PUT /members/{email}: adds the user with this email or changes their role.</summary>
    public async Task<MemberView> SetRoleAsync(Guid workspaceId, string email, string role, CancellationToken ct = default)
    {
        if (!WorkspaceRole.IsKnown(role)) throw ServiceException.Invalid("role", "role is owner, developer or viewer.");
        await using var db = await dbs.CreateDbContextAsync(ct);
        var user = await FindUserAsync(db, email, ct);
        var member = await db.WorkspaceMembers.FirstOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.UserId == user.Id, ct);
        var oldRole = member?.Role;
        if (oldRole == role) return new MemberView(user.Id, user.Email!, role, member!.CreatedAt);
        if (oldRole == WorkspaceRole.Owner) await EnsureAnotherOwnerAsync(db, workspaceId, user.Id, ct);
        if (member is null)
        {
            member = new WorkspaceMember { WorkspaceId = workspaceId, UserId = user.Id, Role = role, CreatedAt = time.GetUtcNow().UtcDateTime };
            db.WorkspaceMembers.Add(member);
        }
        else member.Role = role;
        var revoked = oldRole is null ? 0 : await RevokeDisallowedTokensAsync(db, workspaceId, user.Id, role, time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        access.Recheck();
        if (oldRole is null) await audit.RecordAsync(workspaceId, AuditActions.MemberAdded, user.Email, new { role }, ct);
        else await audit.RecordAsync(workspaceId, AuditActions.MemberRoleChanged, user.Email, new { oldRole, newRole = role, tokensRevoked = revoked }, ct);
        return new MemberView(user.Id, user.Email!, role, member.CreatedAt);
    }

    /// <summary>DELETE /members/{email}: the user leaves the workspace and every token they made there is revoked.</summary>
    public async Task RemoveAsync(Guid workspaceId, string email, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var user = await FindUserAsync(db, email, ct);
        var member = await db.WorkspaceMembers.FirstOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.UserId == user.Id, ct)
            ?? throw ServiceException.NotFound("Member");
        if (member.Role == WorkspaceRole.Owner) await EnsureAnotherOwnerAsync(db, workspaceId, user.Id, ct);
        db.WorkspaceMembers.Remove(member);
        var revoked = await RevokeDisallowedTokensAsync(db, workspaceId, user.Id, null, time.GetUtcNow().UtcDateTime, ct);
        await db.SaveChangesAsync(ct);
        access.Recheck();
        await audit.RecordAsync(workspaceId, AuditActions.MemberRemoved, user.Email, new { oldRole = member.Role, tokensRevoked = revoked }, ct);
    }

    /// <summary>Makes the user a member with this role unless they already are one (first start, a creator of a workspace).</summary>
    public async Task EnsureMemberAsync(Guid workspaceId, string userId, string role, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await db.WorkspaceMembers.AnyAsync(m => m.WorkspaceId == workspaceId && m.UserId == userId, ct)) return;
        db.WorkspaceMembers.Add(new WorkspaceMember { WorkspaceId = workspaceId, UserId = userId, Role = role, CreatedAt = time.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>An instance admin adds themselves to a workspace as owner (or raises their role there to owner); audited.</summary>
    public async Task JoinAsOwnerAsync(Guid workspaceId, string adminUserId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var email = await db.Users.Where(u => u.Id == adminUserId).Select(u => u.Email).FirstOrDefaultAsync(ct) ?? throw ServiceException.NotFound("User");
        var isAdmin = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id
                             where ur.UserId == adminUserId && r.Name == Roles.Admin select ur).AnyAsync(ct);
        if (!isAdmin) throw new ServiceException(StatusCodes.Status403Forbidden, "Only instance admins join workspaces on their own.");
        var member = await db.WorkspaceMembers.FirstOrDefaultAsync(m => m.WorkspaceId == workspaceId && m.UserId == adminUserId, ct);
        var oldRole = member?.Role;
        if (member is null) db.WorkspaceMembers.Add(new WorkspaceMember { WorkspaceId = workspaceId, UserId = adminUserId, Role = WorkspaceRole.Owner, CreatedAt = time.GetUtcNow().UtcDateTime });
        else member.Role = WorkspaceRole.Owner;
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(workspaceId, oldRole is null ? AuditActions.MemberAdded : AuditActions.MemberRoleChanged, email,
            new { oldRole, newRole = WorkspaceRole.Owner, by = "instance admin" }, ct);
    }

    public async Task<bool> HasMembersAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.WorkspaceMembers.AnyAsync(m => m.WorkspaceId == workspaceId, ct);
    }

    /// <summary>A console user as membership needs them: their id and email.</summary>
    sealed record UserRef(string Id, string? Email);

    static async Task<UserRef> FindUserAsync(AppDbContext db, string email, CancellationToken ct)
    {
        var normalized = email.Trim().ToUpperInvariant();
        return await db.Users.Where(u => u.NormalizedEmail == normalized).Select(u => new UserRef(u.Id, u.Email)).FirstOrDefaultAsync(ct)
            ?? throw new ServiceException(StatusCodes.Status404NotFound, "No console user has this email.",
                new Dictionary<string, string[]> { ["email"] = ["No console user has this email yet: an instance admin creates users on the console's Users page, then they can be added here."] });
    }

    static async Task EnsureAnotherOwnerAsync(AppDbContext db, Guid workspaceId, string userId, CancellationToken ct)
    {
        if (!await db.WorkspaceMembers.AnyAsync(m => m.WorkspaceId == workspaceId && m.UserId != userId && m.Role == WorkspaceRole.Owner, ct))
            throw ServiceException.Conflict("A workspace keeps at least one owner: make someone else owner first.");
    }

    /// <summary>A viewer (or a non-member) keeps no token; developers and owners keep their own.</summary>
    internal static async Task<int> RevokeDisallowedTokensAsync(AppDbContext db, Guid? workspaceId, string userId, string? newRole, DateTime now, CancellationToken ct)
    {
        if (WorkspaceRole.Allows(newRole, WorkspaceRole.Developer)) return 0;
        var tokens = db.ApiTokens.Where(t => t.OwnerId == userId && t.RevokedAt == null);
        if (workspaceId is { } w) tokens = tokens.Where(t => t.WorkspaceId == w);
        var list = await tokens.ToListAsync(ct);
        foreach (var t in list) t.RevokedAt = now;
        return list.Count;
    }
}
