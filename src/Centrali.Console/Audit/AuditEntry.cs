namespace Centrali.Console.Audit;

/// <summary>One security- or delivery-relevant change: who, when, what, to what, and from where. Never a secret or token value.</summary>
public sealed class AuditEntry
{
    public Guid Id { get; set; } = SequentialId.New();
    /// <summary>Null for instance-wide events (logins, users).</summary>
    public Guid? WorkspaceId { get; set; }
    public DateTime At { get; set; }
    /// <summary>The user's email, or "token cct_…abcd" for an API token.</summary>
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Target { get; set; }
    /// <summary>A small JSON object, e.g. the old and new URL of a subscription.</summary>
    public string? Details { get; set; }
    public string? Ip { get; set; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("AuditEntries");
        b.HasIndex(x => new { x.WorkspaceId, x.Id });
        b.HasIndex(x => x.At);
        b.Property(x => x.Actor).HasMaxLength(320);
        b.Property(x => x.Action).HasMaxLength(64);
        b.Property(x => x.Target).HasMaxLength(2100);
        b.Property(x => x.Ip).HasMaxLength(64);
    }
}
