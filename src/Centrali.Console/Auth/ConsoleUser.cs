using Microsoft.AspNetCore.Identity;

namespace Centrali.Console.Auth;

public sealed class ConsoleUser : IdentityUser
{
    /// <summary>The workspace the switcher last chose, so the console reopens on it.</summary>
    public Guid? CurrentWorkspaceId { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class Roles
{
    public const string Admin = "Admin";
    public const string Member = "Member";
}
