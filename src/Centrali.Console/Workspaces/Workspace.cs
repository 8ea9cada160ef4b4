namespace Centrali.Console.Workspaces;

public sealed class Workspace
{
    public Guid Id { get; set; } = SequentialId.New();
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class WorkspaceConfiguration : IEntityTypeConfiguration<Workspace>
{
    public void Configure(EntityTypeBuilder<Workspace> b)
    {
        b.HasIndex(x => x.Slug).IsUnique();
        b.Property(x => x.Slug).HasMaxLength(63);
        b.Property(x => x.Name).HasMaxLength(200);
    }
}
