using System.ComponentModel;
using Hangfire;

namespace Centrali.Console.Webhooks.Secrets;

/// <summary>
/// Erases every previous secret whose rotation overlap has ended (cipher and expiry set to null in the table, not just hidden):
/// by a job scheduled at the end of each overlap, by a minutely sweep (<see cref="PreviousSecretErasure"/>), and on read.
/// </summary>
public sealed class SecretErasure(IDbContextFactory<AppDbContext> dbs, TimeProvider time)
{
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Erase expired previous secrets")]
    public async Task<int> ErasePreviousSecretsAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await EraseAsync(db, now, null, ct);
    }

    /// <summary>Erases the ended overlaps of the subscriptions <paramref name="ids"/> names (of every subscription when null).</summary>
    public static Task<int> EraseAsync(AppDbContext db, DateTime now, IReadOnlyCollection<Guid>? ids, CancellationToken ct)
    {
        var expired = db.Subscriptions.Where(s => s.PreviousSecretExpiresAt != null && s.PreviousSecretExpiresAt <= now);
        if (ids is not null) expired = expired.Where(s => ids.Contains(s.Id));
        return expired.ExecuteUpdateAsync(u => u
            .SetProperty(s => s.PreviousSecretCipher, (string?)null)
            .SetProperty(s => s.PreviousPublicKey, (string?)null)
            .SetProperty(s => s.PreviousSecretExpiresAt, (DateTime?)null), ct);
    }
}
