using Microsoft.AspNetCore.Identity;

namespace Centrali.Console.Auth;

public sealed class ConsoleUser : IdentityUser
{
    /// <summary>The workspace the switcher last chose, so the console reopens on it.</summary>
    public Guid? CurrentWorkspaceId { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Set for a password someone else chose (generated at first start, or by an admin): the next login must replace it.</summary>
    public bool MustChangePassword { get; set; }
}

/// <summary>Instance roles: an Admin manages users, workspaces and jobs; what anyone may do inside a workspace is their <see cref="Workspaces.WorkspaceRole"/>.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Member = "Member";
}
