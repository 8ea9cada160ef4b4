namespace Centrali.Console.Webhooks.Deliveries;

public sealed class Attempt
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid DeliveryId { get; set; }
    public int Number { get; set; }
    public DateTime StartedAt { get; set; }
    public int DurationMs { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public string? ResponseBody { get; set; }
    /// <summary>Response headers as a JSON object.</summary>
    public string? ResponseHeaders { get; set; }
    /// <summary>Request headers that were sent, as a JSON object (signatures, never the secret).</summary>
    public string? RequestHeaders { get; set; }
}

internal sealed class AttemptConfiguration : IEntityTypeConfiguration<Attempt>
{
    public void Configure(EntityTypeBuilder<Attempt> b)
    {
        b.HasIndex(x => new { x.DeliveryId, x.Number });
    }
}
