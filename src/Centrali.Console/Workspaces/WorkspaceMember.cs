namespace Centrali.Console.Workspaces;

/// <summary>A console user's membership of a workspace, with the role that decides what they may do there.</summary>
public sealed class WorkspaceMember
{
    public Guid WorkspaceId { get; set; }
    public required string UserId { get; set; }
    public required string Role { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// Roles in a workspace, weakest first: a viewer reads (no secret, no token, no replay); a developer also changes
/// collections, records and subscriptions and keeps tokens of their own; an owner also manages members, every token and the audit log.
/// </summary>
public static class WorkspaceRole
{
    public const string Viewer = "viewer";
    public const string Developer = "developer";
    public const string Owner = "owner";

    public static readonly string[] All = [Viewer, Developer, Owner];

    public static bool IsKnown(string? role) => role is Viewer or Developer or Owner;

    /// <summary>0 for no role, then viewer &lt; developer &lt; owner.</summary>
    public static int Rank(string? role) => role switch { Viewer => 1, Developer => 2, Owner => 3, _ => 0 };

    public static bool Allows(string? role, string needed) => Rank(role) >= Rank(needed);
}

internal sealed class WorkspaceMemberConfiguration : IEntityTypeConfiguration<WorkspaceMember>
{
    public void Configure(EntityTypeBuilder<WorkspaceMember> b)
    {
        b.HasKey(x => new { x.WorkspaceId, x.UserId });
        b.HasIndex(x => x.UserId);
        b.Property(x => x.Role).HasMaxLength(16);
        b.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Auth.ConsoleUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
