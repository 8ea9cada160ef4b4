namespace Centrali.Console.Collections;

public sealed class Collection
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public required string Slug { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class CollectionConfiguration : IEntityTypeConfiguration<Collection>
{
    public void Configure(EntityTypeBuilder<Collection> b)
    {
        b.HasIndex(x => new { x.WorkspaceId, x.Slug }).IsUnique();
        b.Property(x => x.Slug).HasMaxLength(63);
        b.Property(x => x.Name).HasMaxLength(200);
    }
}
