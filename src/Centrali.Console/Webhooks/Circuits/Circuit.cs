namespace Centrali.Console.Webhooks.Circuits;

/// <summary>
/// Breaker state of one receiver URL as one workspace uses it, kept in the database so every instance shares it.
/// Keyed by workspace too: one workspace's failures at a URL never pause another workspace's deliveries there.
/// </summary>
public sealed class Circuit
{
    public Guid WorkspaceId { get; set; }
    public required string Url { get; set; }
    public int ConsecutiveFailures { get; set; }
    public DateTime? OpenUntil { get; set; }
    /// <summary>Set while the single half-open trial is out.</summary>
    public DateTime? TrialUntil { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class CircuitConfiguration : IEntityTypeConfiguration<Circuit>
{
    public void Configure(EntityTypeBuilder<Circuit> b)
    {
        b.HasKey(x => new { x.WorkspaceId, x.Url });
        b.Property(x => x.Url).HasMaxLength(2048);
    }
}
