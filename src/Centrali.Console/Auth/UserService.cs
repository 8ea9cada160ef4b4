using Centrali.Console.Audit;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.Identity;

namespace Centrali.Console.Auth;

public sealed record UserView(string Id, string Email, string Role, DateTime CreatedAt, bool LockedOut, bool MustChangePassword, IReadOnlyList<string> Workspaces,
    bool TwoFactor = false);

/// <summary>Console users: instance admins create and remove them; each has one instance role, and a role in each workspace they belong to.</summary>
public sealed class UserService(UserManager<ConsoleUser> users, IDbContextFactory<AppDbContext> dbs, TimeProvider time, AuditLog audit, RevocableConnections connections) : IWorkspaceChoice
{
    public async Task<List<UserView>> ListAsync()
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync();
        var admins = (await users.GetUsersInRoleAsync(Roles.Admin)).Select(u => u.Id).ToHashSet();
        await using var db = await dbs.CreateDbContextAsync();
        var memberships = (await (from m in db.WorkspaceMembers join w in db.Workspaces on m.WorkspaceId equals w.Id
                                  select new { m.UserId, Text = w.Slug + " (" + m.Role + ")" }).ToListAsync())
            .GroupBy(m => m.UserId).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(m => m.Text).Order().ToList());
        var now = time.GetUtcNow();
        return all.Select(u => new UserView(u.Id, u.Email ?? "", admins.Contains(u.Id) ? Roles.Admin : Roles.Member,
            u.CreatedAt, u.LockoutEnd > now, u.MustChangePassword, memberships.GetValueOrDefault(u.Id, []), u.TwoFactorEnabled)).ToList();
    }

    /// <summary>
    /// A new user with a password someone else chose, so they must change it at first login. With <paramref name="workspaceId"/>
    /// they join that workspace with <paramref name="workspaceRole"/>. Only a password the user chose themselves
    /// (Bootstrap:AdminPassword, set by the operator) skips the change.
    /// </summary>
    public async Task<UserView> CreateAsync(string email, string password, string role, Guid? workspaceId = null,
        string workspaceRole = WorkspaceRole.Developer, bool mustChangePassword = true)
    {
        email = email.Trim();
        if (role is not (Roles.Admin or Roles.Member)) throw ServiceException.Invalid("role", "Role is Admin or Member.");
        if (!email.Contains('@')) throw ServiceException.Invalid("email", "Enter an email address.");
        if (!WorkspaceRole.IsKnown(workspaceRole)) throw ServiceException.Invalid("workspaceRole", "The workspace role is owner, developer or viewer.");
        var user = new ConsoleUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            CurrentWorkspaceId = workspaceId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            MustChangePassword = mustChangePassword,
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) throw Invalid(created);
        await users.AddToRoleAsync(user, role);
        if (workspaceId is { } w)
        {
            await using var db = await dbs.CreateDbContextAsync();
            db.WorkspaceMembers.Add(new WorkspaceMember { WorkspaceId = w, UserId = user.Id, Role = workspaceRole, CreatedAt = user.CreatedAt });
            await db.SaveChangesAsync();
        }
        await audit.RecordAsync(null, AuditActions.UserCreated, email, new { role, workspaceId, workspaceRole = workspaceId is null ? null : workspaceRole });
        return new UserView(user.Id, email, role, user.CreatedAt, false, mustChangePassword, []);
    }

    /// <summary>Removes a user: their memberships go with them and every token they made is revoked.</summary>
    public async Task DeleteAsync(string id, string actingUserId)
    {
        if (id == actingUserId) throw ServiceException.Conflict("You cannot remove yourself.");
        var user = await users.FindByIdAsync(id) ?? throw ServiceException.NotFound("User");
        if (await users.IsInRoleAsync(user, Roles.Admin) && (await users.GetUsersInRoleAsync(Roles.Admin)).Count == 1)
            throw ServiceException.Conflict("The last admin cannot be removed.");
        await using (var db = await dbs.CreateDbContextAsync())
        {
            var owned = await db.WorkspaceMembers.Where(m => m.UserId == id && m.Role == WorkspaceRole.Owner).Select(m => m.WorkspaceId).ToListAsync();
            var lonely = await db.Workspaces.Where(w => owned.Contains(w.Id)
                && !db.WorkspaceMembers.Any(m => m.WorkspaceId == w.Id && m.UserId != id && m.Role == WorkspaceRole.Owner)).Select(w => w.Slug).ToListAsync();
            if (lonely.Count > 0)
                throw ServiceException.Conflict($"{user.Email} is the only owner of {string.Join(", ", lonely)}: make someone else owner there first.");
            await MembershipService.RevokeDisallowedTokensAsync(db, null, id, null, time.GetUtcNow().UtcDateTime, default);
            await db.SaveChangesAsync();
        }
        await users.DeleteAsync(user);
        connections.Recheck();
        await audit.RecordAsync(null, AuditActions.UserDeleted, user.Email, null);
    }

    /// <summary>
    /// For a user who lost both their phone and their recovery codes: two-factor off, key and codes discarded, their
    /// sessions ended (new security stamp). They sign in with the password and may set it up again.
    /// </summary>
    public async Task TurnOffTwoFactorAsync(string id)
    {
        var user = await users.FindByIdAsync(id) ?? throw ServiceException.NotFound("User");
        if (!user.TwoFactorEnabled) return;
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        await users.ResetAuthenticatorKeyAsync(user);
        connections.Recheck();
        await audit.RecordAsync(null, AuditActions.TwoFactorDisabled, user.Email, new { byAdmin = true });
    }

    public async Task<Guid?> CurrentWorkspaceIdAsync(string userId) => (await users.FindByIdAsync(userId))?.CurrentWorkspaceId;

    public async Task SetCurrentWorkspaceAsync(string userId, Guid workspaceId)
    {
        var user = await users.FindByIdAsync(userId) ?? throw ServiceException.NotFound("User");
        user.CurrentWorkspaceId = workspaceId;
        await users.UpdateAsync(user);
    }

    public static ServiceException Invalid(IdentityResult result)
    {
        var errors = result.Errors
            .GroupBy(e => e.Code.Contains("Password") ? "password" : "email")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());
        return ServiceException.Invalid(errors);
    }
}
