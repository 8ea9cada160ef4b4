namespace Centrali.Console.Webhooks.Delivery;

/// <summary>Breaker state of one receiver URL, kept in the database so every instance shares it.</summary>
public sealed class Circuit
{
    public required string Url { get; set; }
    public int ConsecutiveFailures { get; set; }
    public DateTime? OpenUntil { get; set; }
    /// <summary>Set while the single half-open trial is out.</summary>
    public DateTime? TrialUntil { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class CircuitConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<Circuit>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<Circuit> b)
    {
        b.HasKey(x => x.Url);
        b.Property(x => x.Url).HasMaxLength(2048);
    }
}
