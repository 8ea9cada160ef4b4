using Centrali.Console.Audit;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Secrets;
using Hangfire;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>Subscriptions of a workspace: list, read, create, change, delete, rotate the secret.</summary>
public sealed class SubscriptionService(
    IDbContextFactory<AppDbContext> dbs, TimeProvider time, SubscriptionSecrets secrets, CircuitBreaker circuits, SubscriptionRules rules,
    Idempotency idempotency, IBackgroundJobClient jobs, AuditLog audit)
{
    public async Task<Page<SubscriptionView>> ListAsync(Guid workspaceId, int? limit = null, string? cursor = null, CancellationToken ct = default)
    {
        var take = Paging.Limit(limit);
        var after = Paging.Cursor(cursor);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Subscriptions.AsNoTracking().Where(s => s.WorkspaceId == workspaceId);
        if (after is { } c) query = query.Where(s => s.Id < c);
        var rows = await query.OrderByDescending(s => s.Id).Take(take + 1).ToListAsync(ct);
        await EraseEndedOverlapsAsync(db, rows, time.GetUtcNow().UtcDateTime, ct);
        var states = await circuits.StatesAsync(workspaceId, rows.Select(r => r.Url), ct);
        return Paging.ToPage(rows, take, r => r.Id, r => ToView(r, states[r.Url]));
    }

    public async Task<SubscriptionView> GetAsync(Guid workspaceId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var subscription = await FindAsync(db, workspaceId, id, ct);
        await EraseEndedOverlapsAsync(db, [subscription], time.GetUtcNow().UtcDateTime, ct);
        return ToView(subscription, await circuits.StateAsync(subscription.WorkspaceId, subscription.Url, ct));
    }

    public async Task<SubscriptionView> CreateAsync(Guid workspaceId, SubscriptionInput input, CancellationToken ct = default) =>
        (await CreateAsync(workspaceId, input, null, ct)).Value!;

    /// <summary>A create; a repeated Idempotency-Key answers the first answer, secret included (stored encrypted).</summary>
    public async Task<Creation<SubscriptionView>> CreateAsync(Guid workspaceId, SubscriptionInput input, IdempotencyKey? key, CancellationToken ct = default)
    {
        await using (var db = await dbs.CreateDbContextAsync(ct))
            if (await ReplayAsync(db, workspaceId, key, ct) is { } replay) return new(null, replay);
        var now = time.GetUtcNow().UtcDateTime;
        var secret = input.Secret ?? SubscriptionSecrets.Generate();
        var subscription = new Subscription
        {
            WorkspaceId = workspaceId,
            Name = "",
            Url = "",
            Events = "",
            SecretCipher = secrets.Protect(secret),
            SecretHint = SubscriptionSecrets.Hint(secret),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var complete = input with
        {
            Name = input.Name ?? "",
            Url = input.Url ?? "",
            Events = input.Events ?? [],
            CollectionSlugs = input.CollectionSlugs ?? [],
            Status = input.Status ?? SubscriptionStatus.Active,
            SignatureHeader = input.SignatureHeader ?? SubscriptionRules.DefaultSignatureHeader,
            Algorithm = input.Algorithm ?? SubscriptionRules.Algorithms[0],
            Encoding = input.Encoding ?? SubscriptionRules.Encodings[0],
            SignaturePrefix = input.SignaturePrefix ?? "",
            PayloadFormat = input.PayloadFormat ?? PayloadFormats.V2,
        };
        await rules.ApplyAsync(subscription, complete, ct, creating: true);
        // An ed25519 subscription has a key pair instead of a shared secret: nothing secret to answer.
        var answered = subscription.SignatureScheme == SignatureSchemes.Ed25519 ? null : secret;
        if (answered is null) NewKeyPair(subscription);
        await using var save = await dbs.CreateDbContextAsync(ct);
        save.Subscriptions.Add(subscription);
        var view = ToView(subscription, await circuits.StateAsync(subscription.WorkspaceId, subscription.Url, ct)) with { Secret = answered };
        var created = await SaveOnceAsync(save, workspaceId, key, view, StatusCodes.Status201Created, $"{key?.Path.TrimEnd('/')}/{subscription.Id}", ct);
        if (created.Value is not null)
            await audit.RecordAsync(workspaceId, AuditActions.SubscriptionCreated, subscription.Name,
                new { subscription.Id, subscription.Url, events = complete.Events }, ct);
        return created;
    }

    public async Task<SubscriptionView> PatchAsync(Guid workspaceId, Guid id, SubscriptionInput input, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var subscription = await FindAsync(db, workspaceId, id, ct);
        var (oldUrl, oldStatus, oldScheme) = (subscription.Url, subscription.Status, subscription.SignatureScheme);
        await rules.ApplyAsync(subscription, input, ct);
        subscription.UpdatedAt = time.GetUtcNow().UtcDateTime;
        if (subscription.PreviousSecretExpiresAt <= subscription.UpdatedAt) ClearPrevious(subscription);
        // A change of scheme starts with fresh keys: a key pair for ed25519, a new secret (answered once) for hmac.
        string? secret = null;
        if (subscription.SignatureScheme != oldScheme)
        {
            ClearPrevious(subscription);
            if (subscription.SignatureScheme == SignatureSchemes.Ed25519) NewKeyPair(subscription);
            else
            {
                secret = SubscriptionSecrets.Generate();
                (subscription.SecretCipher, subscription.SecretHint, subscription.PublicKey) = (secrets.Protect(secret), SubscriptionSecrets.Hint(secret), null);
            }
        }
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(workspaceId, AuditActions.SubscriptionUpdated, subscription.Name, new
        {
            subscription.Id,
            oldUrl,
            newUrl = subscription.Url,
            oldStatus = oldStatus == subscription.Status ? null : oldStatus,
            newStatus = oldStatus == subscription.Status ? null : subscription.Status,
            signatureScheme = oldScheme == subscription.SignatureScheme ? null : subscription.SignatureScheme,
        }, ct);
        return ToView(subscription, await circuits.StateAsync(subscription.WorkspaceId, subscription.Url, ct)) with { Secret = secret };
    }

    void NewKeyPair(Subscription s)
    {
        var (privateKey, publicKey) = Signature.NewKeyPair();
        s.SecretCipher = secrets.Protect(privateKey);
        s.PublicKey = publicKey;
        s.SecretHint = SubscriptionSecrets.KeyHint(publicKey);
    }

    static void ClearPrevious(Subscription s) => (s.PreviousSecretCipher, s.PreviousPublicKey, s.PreviousSecretExpiresAt) = (null, null, null);

    public Task<SubscriptionView> SetStatusAsync(Guid workspaceId, Guid id, bool active, CancellationToken ct = default) =>
        PatchAsync(workspaceId, id, new SubscriptionInput { Status = active ? SubscriptionStatus.Active : SubscriptionStatus.Inactive }, ct);

    /// <summary>Deletes the subscription only: its deliveries stay in the log.</summary>
    public async Task DeleteAsync(Guid workspaceId, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var gone = await db.Subscriptions.Where(s => s.WorkspaceId == workspaceId && s.Id == id).Select(s => new { s.Name, s.Url }).FirstOrDefaultAsync(ct);
        var deleted = await db.Subscriptions.Where(s => s.WorkspaceId == workspaceId && s.Id == id).ExecuteDeleteAsync(ct);
        if (deleted == 0 || gone is null) throw ServiceException.NotFound("Subscription");
        await audit.RecordAsync(workspaceId, AuditActions.SubscriptionDeleted, gone.Name, new { id, gone.Url }, ct);
    }

    /// <summary>
    /// A new secret, answered once. With an <paramref name="overlap"/> the old secret keeps signing (a second
    /// <c>v1,</c> signature in <c>webhook-signature</c>) until the overlap ends, and is then erased; without one it is overwritten.
    /// </summary>
    public async Task<SubscriptionView> RotateSecretAsync(Guid workspaceId, Guid id, TimeSpan overlap = default, CancellationToken ct = default) =>
        (await RotateSecretAsync(workspaceId, id, overlap, null, ct)).Value!;

    /// <summary>
    /// A rotation; a repeated Idempotency-Key answers the first rotation's secret instead of rotating again.
    /// <paramref name="own"/> is a secret of the user's own to rotate to (checked like one given on create); null generates one.
    /// </summary>
    public async Task<Creation<SubscriptionView>> RotateSecretAsync(Guid workspaceId, Guid id, TimeSpan overlap, IdempotencyKey? key, CancellationToken ct = default,
        string? own = null)
    {
        if (RotationOverlap.Check(overlap) is { } problem) throw ServiceException.Invalid("overlap", problem);
        if (own is not null && SubscriptionSecrets.Check(own) is { } secretProblem) throw ServiceException.Invalid("secret", secretProblem);
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await ReplayAsync(db, workspaceId, key, ct) is { } replay) return new(null, replay);
        var subscription = await FindAsync(db, workspaceId, id, ct);
        var now = time.GetUtcNow().UtcDateTime;
        var ed25519 = subscription.SignatureScheme == SignatureSchemes.Ed25519;
        string? secret = ed25519 ? null : own ?? SubscriptionSecrets.Generate();
        // Only the secret (or key) being replaced overlaps; one still overlapping from an earlier rotation is dropped now.
        subscription.PreviousSecretCipher = overlap > TimeSpan.Zero ? subscription.SecretCipher : null;
        subscription.PreviousPublicKey = overlap > TimeSpan.Zero && ed25519 ? subscription.PublicKey : null;
        subscription.PreviousSecretExpiresAt = overlap > TimeSpan.Zero ? now + overlap : null;
        if (secret is null) NewKeyPair(subscription);
        else
        {
            subscription.SecretCipher = secrets.Protect(secret);
            subscription.SecretHint = SubscriptionSecrets.Hint(secret);
        }
        subscription.UpdatedAt = now;
        var view = ToView(subscription, await circuits.StateAsync(subscription.WorkspaceId, subscription.Url, ct)) with { Secret = secret };
        var answer = await SaveOnceAsync(db, workspaceId, key, view, StatusCodes.Status200OK, null, ct);
        // Erased on time by this job; the minutely sweep and erase-on-read cover a restart that lost it.
        if (answer.Value is not null && overlap > TimeSpan.Zero)
            jobs.Schedule<SecretErasure>(e => e.ErasePreviousSecretsAsync(CancellationToken.None), overlap + TimeSpan.FromSeconds(1));
        if (answer.Value is not null)
            await audit.RecordAsync(workspaceId, AuditActions.SecretRotated, subscription.Name,
                new { subscription.Id, newSecretHint = subscription.SecretHint, overlap = overlap > TimeSpan.Zero ? overlap.ToString() : null }, ct);
        return answer;
    }

    /// <summary>Erase-on-read: a read that meets an ended overlap erases the old secret before answering.</summary>
    async Task EraseEndedOverlapsAsync(AppDbContext db, IReadOnlyCollection<Subscription> rows, DateTime now, CancellationToken ct)
    {
        var ended = rows.Where(r => r.PreviousSecretExpiresAt is { } until && until <= now).ToList();
        if (ended.Count == 0) return;
        await SecretErasure.EraseAsync(db, now, [.. ended.Select(r => r.Id)], ct);
        foreach (var r in ended) ClearPrevious(r);
    }

    async Task<StoredAnswer?> ReplayAsync(AppDbContext db, Guid workspaceId, IdempotencyKey? key, CancellationToken ct) =>
        await idempotency.FindAsync(db, workspaceId, key, ct) is { } stored ? stored with { Body = secrets.Unprotect(stored.Body) } : null;

    /// <summary>
    /// Saves, with the answer for a repeated Idempotency-Key in the same transaction. That answer holds the secret,
    /// so it is stored encrypted like the secret itself.
    /// </summary>
    async Task<Creation<SubscriptionView>> SaveOnceAsync(AppDbContext db, Guid workspaceId, IdempotencyKey? key, SubscriptionView view,
        int status, string? location, CancellationToken ct)
    {
        if (key is not null)
            idempotency.Add(db, workspaceId, key, new StoredAnswer(status,
                secrets.Protect(JsonSerializer.Serialize(new One<SubscriptionView>(view), JsonSerializerOptions.Web)), location));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Idempotency.IsDuplicateKey(e, key))
        {
            // A concurrent repeat committed first: answer what it answered.
            await using var fresh = await dbs.CreateDbContextAsync(ct);
            return new(null, await ReplayAsync(fresh, workspaceId, key, ct));
        }
        return new(view, null);
    }

    static async Task<Subscription> FindAsync(AppDbContext db, Guid workspaceId, Guid id, CancellationToken ct) =>
        await db.Subscriptions.FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId && s.Id == id, ct)
        ?? throw ServiceException.NotFound("Subscription");

    /// <summary>Every rule a save applies to a URL (<see cref="SubscriptionRules.CheckUrlAsync"/>), for the editor's check as you type.</summary>
    public Task<string?> CheckUrlAsync(string? url, CancellationToken ct = default) => rules.CheckUrlAsync(url, ct);

    static SubscriptionView ToView(Subscription s, CircuitView circuit) => new(
        s.Id, s.Name, s.Url,
        Split(s.Events), Split(s.CollectionSlugs),
        s.Status, s.SignatureHeader, s.Algorithm, s.Encoding, s.SignaturePrefix, s.SecretHint,
        s.PreviousSecretExpiresAt,
        s.Filter,
        s.RetryDelays is { } delays ? [.. DeliveryPolicy.Parse(delays).Select(DeliveryPolicy.Format)] : null,
        s.TimeoutSeconds,
        s.Ordering,
        s.RateLimit,
        s.RateLimit is null ? null : s.EffectiveRate ?? s.RateLimit,
        s.ThrottledAt,
        CustomHeaders.Parse(s.Headers),
        CustomHeaders.Parse(s.SecretHeadersHint),
        s.SignatureScheme,
        s.PublicKey,
        s.PreviousSecretExpiresAt is null ? null : s.PreviousPublicKey,
        circuit.State, circuit.OpenUntil,
        s.CreatedAt, s.UpdatedAt) { PayloadFormat = s.PayloadFormat };

    static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
