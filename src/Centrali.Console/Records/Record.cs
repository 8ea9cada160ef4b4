namespace Centrali.Console.Records;

public sealed class Record
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public Guid CollectionId { get; set; }
    /// <summary>The record's data as a JSON object, stored as text.</summary>
    public required string Data { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Goes up by one on every change: the record's ETag, and the check that two writers did not overwrite each other.</summary>
    public int Version { get; set; } = 1;
}

internal sealed class RecordConfiguration : IEntityTypeConfiguration<Record>
{
    public void Configure(EntityTypeBuilder<Record> b)
    {
        // Keyset paging walks a collection by id (version-7 GUIDs sort by creation time).
        b.HasIndex(x => new { x.CollectionId, x.Id });
        b.HasIndex(x => new { x.CollectionId, x.UpdatedAt });
        b.Property(x => x.Version).IsConcurrencyToken();
    }
}
