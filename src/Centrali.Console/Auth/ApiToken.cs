using Centrali.Console.Api;

namespace Centrali.Console.Auth;

public sealed class ApiToken
{
    public Guid Id { get; set; } = SequentialId.New();
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>SHA-256 of the token value, hex; the value itself is never stored.</summary>
    public required string Hash { get; set; }
    public required string Hint { get; set; }
    /// <summary>The console user who made it: the token never does more than their role in the workspace allows.</summary>
    public string? OwnerId { get; set; }
    /// <summary><see cref="TokenScope.Read"/> or <see cref="TokenScope.Write"/>.</summary>
    public string Scope { get; set; } = TokenScope.Write;
    public DateTime? ExpiresAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.HasIndex(x => x.Hash).IsUnique();
        b.HasIndex(x => x.WorkspaceId);
        b.HasIndex(x => x.OwnerId);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Scope).HasMaxLength(8);
    }
}
