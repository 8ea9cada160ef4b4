using Centrali.Console.Workspaces;
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

/// <summary>A user's memberships go with them: declared on the user's side, since users are built on workspaces, not the reverse.</summary>
internal sealed class ConsoleUserConfiguration : IEntityTypeConfiguration<ConsoleUser>
{
    public void Configure(EntityTypeBuilder<ConsoleUser> b) =>
        b.HasMany<WorkspaceMember>().WithOne().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
}
