namespace Centrali.Console.Auth;

public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>SHA-256 of the token value, hex; the value itself is never stored.</summary>
    public required string Hash { get; set; }
    public required string Hint { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

internal sealed class ApiTokenConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<ApiToken>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<ApiToken> b)
    {
        b.HasIndex(x => x.Hash).IsUnique();
        b.HasIndex(x => x.WorkspaceId);
        b.Property(x => x.Name).HasMaxLength(200);
    }
}
