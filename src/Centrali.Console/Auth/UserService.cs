using Centrali.Console.Api;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Auth;

public sealed record UserView(string Id, string Email, string Role, DateTime CreatedAt, bool LockedOut);

/// <summary>Console users: admins create and remove them; each has exactly one role.</summary>
public sealed class UserService(UserManager<ConsoleUser> users, TimeProvider time)
{
    public async Task<List<UserView>> ListAsync()
    {
        var all = await users.Users.OrderBy(u => u.Email).ToListAsync();
        var admins = (await users.GetUsersInRoleAsync(Roles.Admin)).Select(u => u.Id).ToHashSet();
        var now = time.GetUtcNow();
        return all.Select(u => new UserView(u.Id, u.Email ?? "", admins.Contains(u.Id) ? Roles.Admin : Roles.Member,
            u.CreatedAt, u.LockoutEnd > now)).ToList();
    }

    public async Task<UserView> CreateAsync(string email, string password, string role, Guid? workspaceId = null)
    {
        email = email.Trim();
        if (role is not (Roles.Admin or Roles.Member)) throw ServiceException.Invalid("role", "Role is Admin or Member.");
        if (!email.Contains('@')) throw ServiceException.Invalid("email", "Enter an email address.");
        var user = new ConsoleUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            CurrentWorkspaceId = workspaceId,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded) throw Invalid(created);
        await users.AddToRoleAsync(user, role);
        return new UserView(user.Id, email, role, user.CreatedAt, false);
    }

    public async Task DeleteAsync(string id, string actingUserId)
    {
        if (id == actingUserId) throw ServiceException.Conflict("You cannot remove yourself.");
        var user = await users.FindByIdAsync(id) ?? throw ServiceException.NotFound("User");
        if (await users.IsInRoleAsync(user, Roles.Admin) && (await users.GetUsersInRoleAsync(Roles.Admin)).Count == 1)
            throw ServiceException.Conflict("The last admin cannot be removed.");
        await users.DeleteAsync(user);
    }

    public async Task SetCurrentWorkspaceAsync(string userId, Guid workspaceId)
    {
        var user = await users.FindByIdAsync(userId) ?? throw ServiceException.NotFound("User");
        user.CurrentWorkspaceId = workspaceId;
        await users.UpdateAsync(user);
    }

    static ServiceException Invalid(IdentityResult result)
    {
        var errors = result.Errors
            .GroupBy(e => e.Code.Contains("Password") ? "password" : "email")
            .ToDictionary(g => g.Key, g => g.Select(e => e.Description).ToArray());
        return ServiceException.Invalid(errors);
    }
}
