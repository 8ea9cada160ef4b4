namespace Centrali.Console.Workspaces;

/// <summary>A console user's membership of a workspace, with the role that decides what they may do there.</summary>
public sealed class WorkspaceMember
{
    public Guid WorkspaceId { get; set; }
    public required string UserId { get; set; }
    public required string Role { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class WorkspaceMemberConfiguration : IEntityTypeConfiguration<WorkspaceMember>
{
    public void Configure(EntityTypeBuilder<WorkspaceMember> b)
    {
        b.HasKey(x => new { x.WorkspaceId, x.UserId });
        b.HasIndex(x => x.UserId);
        b.Property(x => x.Role).HasMaxLength(16);
        b.HasOne<Workspace>().WithMany().HasForeignKey(x => x.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        // The user's side (memberships go when their user is removed) is declared with the user, in Auth.
    }
}
