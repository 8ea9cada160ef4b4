namespace Centrali.Console.Shared;

/// <summary>The first answer to a POST carrying an Idempotency-Key, replayed for repeats within 24 h.</summary>
public sealed class IdempotentResponse
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public required string Key { get; set; }
    public required string Path { get; set; }
    public int StatusCode { get; set; }
    public required string Body { get; set; }
    public string? Location { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class IdempotentResponseConfiguration : IEntityTypeConfiguration<IdempotentResponse>
{
    public void Configure(EntityTypeBuilder<IdempotentResponse> b)
    {
        b.HasIndex(x => new { x.WorkspaceId, x.Key }).IsUnique();
        b.HasIndex(x => x.CreatedAt);
        b.Property(x => x.Key).HasMaxLength(255);
    }
}
