using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Centrali.Console.Audit;
using Centrali.Console.Data;
using Centrali.Console.Records;
using Centrali.Console.Shared;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Filters;
using Centrali.Console.Webhooks.Secrets;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>A subscription as the API and the console read it; <c>secret</c> only in the answers to create and rotate.</summary>
public sealed record SubscriptionView(
    Guid Id,
    string Name,
    string Url,
    IReadOnlyList<string> Events,
    IReadOnlyList<string> RecordSlugs,
    string Status,
    string SignatureHeader,
    string Algorithm,
    string Encoding,
    string SignaturePrefix,
    string SecretHint,
    DateTime? PreviousSecretExpiresAt,
    string? Filter,
    IReadOnlyList<string>? RetryDelays,
    int? Timeout,
    string Ordering,
    int? RateLimit,
    double? EffectiveRate,
    DateTime? ThrottledAt,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> SecretHeaders,
    string SignatureScheme,
    string? PublicKey,
    string? PreviousPublicKey,
    string Circuit,
    DateTime? CircuitOpenUntil,
    DateTime CreatedAt,
    DateTime UpdatedAt)
{
    /// <summary><c>v2</c> (the default body) or <c>v1</c> (the older webhooks guide's); see <see cref="PayloadFormats"/>.</summary>
    public string PayloadFormat { get; init; } = PayloadFormats.V2;

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }
}

/// <summary>
/// The body of create and patch. On create a missing field takes its default; on patch a missing (or null)
/// field stays as it is.
/// </summary>
public sealed record SubscriptionInput
{
    public string? Name { get; init; }
    public string? Url { get; init; }
    public IReadOnlyList<string>? Events { get; init; }
    public IReadOnlyList<string>? RecordSlugs { get; init; }
    public string? Status { get; init; }
    public string? SignatureHeader { get; init; }
    public string? Algorithm { get; init; }
    public string? Encoding { get; init; }
    public string? SignaturePrefix { get; init; }
    public string? PayloadFormat { get; init; }

    readonly string? filter;
    /// <summary>Present (even as null or "") means "set the filter"; null or "" clears it.</summary>
    public string? Filter { get => filter; init { filter = value; HasFilter = true; } }
    /// <summary>Whether the body carried <c>filter</c> at all: absent leaves it as it is, null clears it.</summary>
    [JsonIgnore] public bool HasFilter { get; private init; }

    readonly IReadOnlyList<string?>? retryDelays;
    /// <summary>Own retry delays ("00:00:30" or "PT30S"); present as null goes back to the configured ones, [] means no retries.</summary>
    public IReadOnlyList<string?>? RetryDelays { get => retryDelays; init { retryDelays = value; HasRetryDelays = true; } }
    [JsonIgnore] public bool HasRetryDelays { get; private init; }

    readonly int? timeout;
    /// <summary>Own attempt timeout in seconds (1–60); present as null goes back to the configured one.</summary>
    public int? Timeout { get => timeout; init { timeout = value; HasTimeout = true; } }
    [JsonIgnore] public bool HasTimeout { get; private init; }

    /// <summary><c>none</c> or <c>record</c>.</summary>
    public string? Ordering { get; init; }

    readonly int? rateLimit;
    /// <summary>Deliveries per second at most; present as null removes the limit.</summary>
    public int? RateLimit { get => rateLimit; init { rateLimit = value; HasRateLimit = true; } }
    [JsonIgnore] public bool HasRateLimit { get; private init; }

    readonly IReadOnlyDictionary<string, string?>? headers;
    /// <summary>Replaces the custom headers; present as null or {} removes them.</summary>
    public IReadOnlyDictionary<string, string?>? Headers { get => headers; init { headers = value; HasHeaders = true; } }
    [JsonIgnore] public bool HasHeaders { get; private init; }

    readonly IReadOnlyDictionary<string, string?>? secretHeaders;
    /// <summary>Replaces the secret headers; a value equal to its current masked form keeps the stored value. Null or {} removes them.</summary>
    public IReadOnlyDictionary<string, string?>? SecretHeaders { get => secretHeaders; init { secretHeaders = value; HasSecretHeaders = true; } }
    [JsonIgnore] public bool HasSecretHeaders { get; private init; }

    /// <summary><c>hmac</c> or <c>ed25519</c>.</summary>
    public string? SignatureScheme { get; init; }
    /// <summary>
    /// On create only: a secret of the user's own instead of a generated one (<see cref="SubscriptionSecrets.Check"/>). A patch
    /// carrying it is refused rather than silently ignored: rotate-secret sets a new one.
    /// </summary>
    public string? Secret { get; init; }
}

/// <summary>The answer of "try it": whether the filter matched, or why it could not be tried; the body it was tried on.</summary>
public sealed record FilterTrial(bool Matched, string? Problem, Guid? RecordId, string? Body);

/// <summary>The newest delivery of a subscription, for the list's "last delivery" column.</summary>
public sealed record LastDelivery(string Status, int? LastStatusCode, string? LastError, DateTime CreatedAt);

public sealed partial class SubscriptionService(
    IDbContextFactory<AppDbContext> dbs, TimeProvider time, SubscriptionSecrets secrets, CircuitBreaker circuits, UrlGuard guard,
    Idempotency idempotency, IBackgroundJobClient jobs, RecordService records, AuditLog audit)
{
    /// <summary>The most items events or recordSlugs may list: more is a mistake or an attack, and each one costs every delivery.</summary>
    public const int MaxListItems = 100;

    public static readonly string[] Algorithms = ["sha256", "sha1", "sha512"];
    public static readonly string[] Encodings = ["base64", "hex"];
    public const string DefaultSignatureHeader = "X-Signature";
    public const int MaxPrefixLength = 32;
    public static readonly string[] Orderings = [SubscriptionOrdering.None, SubscriptionOrdering.Record];
    public static readonly string[] Schemes = [SignatureSchemes.Hmac, SignatureSchemes.Ed25519];
    public const int MaxRateLimit = 10_000;

    // Headers the sender sets itself or that HTTP owns: a signature there would clash or break the request.
    static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Content-Type", "Transfer-Encoding", "Connection", "User-Agent", "Keep-Alive",
        "Upgrade", "TE", "Trailer", "Expect", "Cookie", "Authorization",
        "X-Centrali-Event", "X-Centrali-Event-Id", "X-Centrali-Delivery-Id",
    };
    static readonly string[] ReservedHeaderPrefixes = ["webhook-", "content-", "proxy-"];

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
            RecordSlugs = input.RecordSlugs ?? [],
            Status = input.Status ?? SubscriptionStatus.Active,
            SignatureHeader = input.SignatureHeader ?? DefaultSignatureHeader,
            Algorithm = input.Algorithm ?? Algorithms[0],
            Encoding = input.Encoding ?? Encodings[0],
            SignaturePrefix = input.SignaturePrefix ?? "",
            PayloadFormat = input.PayloadFormat ?? PayloadFormats.V2,
        };
        await ApplyAsync(subscription, complete, ct, creating: true);
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
        await ApplyAsync(subscription, input, ct);
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

    /// <summary>The overlaps the console's rotate dialog offers.</summary>
    public static readonly (string Label, TimeSpan Overlap)[] OverlapChoices =
        [("None: the current secret stops at once", TimeSpan.Zero), ("1 hour", TimeSpan.FromHours(1)), ("24 hours", TimeSpan.FromHours(24)), ("7 days", TimeSpan.FromDays(7))];

    /// <summary>The longest rotation overlap: a week is enough to roll a secret out to every receiver.</summary>
    public static readonly TimeSpan MaxOverlap = TimeSpan.FromDays(7);

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
        if (CheckOverlap(overlap) is { } problem) throw ServiceException.Invalid("overlap", problem);
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
            jobs.Schedule<SubscriptionService>(s => s.ErasePreviousSecretsAsync(CancellationToken.None), overlap + TimeSpan.FromSeconds(1));
        if (answer.Value is not null)
            await audit.RecordAsync(workspaceId, AuditActions.SecretRotated, subscription.Name,
                new { subscription.Id, newSecretHint = subscription.SecretHint, overlap = overlap > TimeSpan.Zero ? overlap.ToString() : null }, ct);
        return answer;
    }

    /// <summary>Reads an overlap as an ISO 8601 duration ("PT24H", "P7D") or a time span ("24:00:00"); null or "" is none.</summary>
    public static TimeSpan ParseOverlap(string? overlap)
    {
        if (string.IsNullOrWhiteSpace(overlap)) return TimeSpan.Zero;
        var text = overlap.Trim();
        TimeSpan value;
        try
        {
            value = text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal) ? System.Xml.XmlConvert.ToTimeSpan(text)
                // TimeSpan.Parse refuses "24:00:00" (hours above 23), which people write for a day.
                : HoursMinutes().Match(text) is { Success: true } m
                    ? new TimeSpan(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
                        m.Groups[3].Success ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0)
                    : TimeSpan.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw ServiceException.Invalid("overlap", $"'{text}' is not a duration; use ISO 8601 such as PT24H or P7D, or 24:00:00.");
        }
        return CheckOverlap(value) is { } problem ? throw ServiceException.Invalid("overlap", problem) : value;
    }

    public static string? CheckOverlap(TimeSpan overlap) =>
        overlap < TimeSpan.Zero ? "The overlap cannot be negative."
        : overlap > MaxOverlap ? $"The overlap is at most 7 days (P7D)."
        : null;

    /// <summary>
    /// Erases every previous secret whose overlap has ended (cipher and expiry set to null in the table, not just hidden).
    /// Run by a job at the end of each overlap and by a minutely sweep.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    [System.ComponentModel.DisplayName("Erase expired previous secrets")]
    public async Task<int> ErasePreviousSecretsAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await ErasePreviousSecretsAsync(db, now, null, ct);
    }

    static Task<int> ErasePreviousSecretsAsync(AppDbContext db, DateTime now, IReadOnlyCollection<Guid>? ids, CancellationToken ct)
    {
        var expired = db.Subscriptions.Where(s => s.PreviousSecretExpiresAt != null && s.PreviousSecretExpiresAt <= now);
        if (ids is not null) expired = expired.Where(s => ids.Contains(s.Id));
        return expired.ExecuteUpdateAsync(u => u
            .SetProperty(s => s.PreviousSecretCipher, (string?)null)
            .SetProperty(s => s.PreviousPublicKey, (string?)null)
            .SetProperty(s => s.PreviousSecretExpiresAt, (DateTime?)null), ct);
    }

    /// <summary>Erase-on-read: a read that meets an ended overlap erases the old secret before answering.</summary>
    async Task EraseEndedOverlapsAsync(AppDbContext db, IReadOnlyCollection<Subscription> rows, DateTime now, CancellationToken ct)
    {
        var ended = rows.Where(r => r.PreviousSecretExpiresAt is { } until && until <= now).ToList();
        if (ended.Count == 0) return;
        await ErasePreviousSecretsAsync(db, now, [.. ended.Select(r => r.Id)], ct);
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

    /// <summary>The newest delivery of each subscription that has one.</summary>
    public async Task<Dictionary<Guid, LastDelivery>> LastDeliveriesAsync(Guid workspaceId, IEnumerable<Guid> subscriptionIds, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var result = new Dictionary<Guid, LastDelivery>();
        // One indexed lookup per subscription (WorkspaceId, SubscriptionId, Id): a page holds few of them.
        foreach (var id in subscriptionIds.Distinct())
        {
            var last = await db.Deliveries.AsNoTracking()
                .Where(d => d.WorkspaceId == workspaceId && d.SubscriptionId == id)
                .OrderByDescending(d => d.Id)
                .Select(d => new LastDelivery(d.Status, d.LastStatusCode, d.LastError, d.CreatedAt))
                .FirstOrDefaultAsync(ct);
            if (last is not null) result[id] = last;
        }
        return result;
    }

    static async Task<Subscription> FindAsync(AppDbContext db, Guid workspaceId, Guid id, CancellationToken ct) =>
        await db.Subscriptions.FirstOrDefaultAsync(s => s.WorkspaceId == workspaceId && s.Id == id, ct)
        ?? throw ServiceException.NotFound("Subscription");

    /// <summary>Checks every field present in <paramref name="input"/> and, when all pass, copies them onto the subscription.</summary>
    async Task ApplyAsync(Subscription s, SubscriptionInput input, CancellationToken ct, bool creating = false)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];

        if (input.Secret is not null && !creating)
            Error("secret", "The secret cannot be changed here; rotate it with POST …/rotate-secret, which also takes a secret of your own.");
        else if (input.Secret is not null && SubscriptionSecrets.Check(input.Secret) is { } secretProblem)
            Error("secret", secretProblem);

        var name = input.Name?.Trim();
        if (name is not null && name.Length is 0 or > 200) Error("name", "A subscription needs a name of 1 to 200 characters.");

        var url = input.Url?.Trim();
        if (url is not null)
        {
            if (CheckUrl(url) is { } problem) Error("url", problem);
            else if (await guard.RefusalAsync(new Uri(url), ct) is { } refusal) Error("url", refusal);
        }

        List<string>? events = null;
        if (input.Events is { Count: > MaxListItems })
            Error("events", $"events has {input.Events.Count} items; at most {MaxListItems}.");
        else if (input.Events is not null)
        {
            var seen = new HashSet<string>();
            foreach (var raw in input.Events)
            {
                // The dotted spelling (record.created) is the SDK's; we store the underscored one.
                var type = raw?.Trim().Replace('.', '_');
                if (type is null || !EventTypes.Subscribable.Contains(type))
                    Error("events", $"'{raw}' is not an event type; use {string.Join(", ", EventTypes.Subscribable)}."
                        + (type?.Split('_')[0] is "function" or "trigger" ? " Function and trigger events have no source here: the console has no compute functions." : ""));
                else seen.Add(type);
            }
            if (input.Events.Count == 0) Error("events", $"Choose at least one event: {string.Join(", ", EventTypes.Subscribable)}.");
            events = [.. EventTypes.Subscribable.Where(seen.Contains)];
        }

        List<string>? slugs = null;
        if (input.RecordSlugs is { Count: > MaxListItems })
            Error("recordSlugs", $"recordSlugs has {input.RecordSlugs.Count} items; at most {MaxListItems}.");
        else if (input.RecordSlugs is not null)
        {
            // A set for the duplicates (linear, not quadratic), a list for the order the user gave.
            slugs = [];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var raw in input.RecordSlugs)
            {
                var slug = raw?.Trim();
                if (!Slugs.IsValid(slug)) Error("recordSlugs", $"'{raw}' is not a valid collection slug: {Slugs.Rule}.");
                else if (seen.Add(slug!)) slugs.Add(slug!);
            }
        }

        if (input.Status is not null && input.Status is not (SubscriptionStatus.Active or SubscriptionStatus.Inactive))
            Error("status", "status is 'active' or 'inactive'.");
        if (input.Algorithm is not null && !Algorithms.Contains(input.Algorithm))
            Error("algorithm", $"algorithm is one of {string.Join(", ", Algorithms)}.");
        if (input.Encoding is not null && !Encodings.Contains(input.Encoding))
            Error("encoding", $"encoding is one of {string.Join(", ", Encodings)}.");
        var header = input.SignatureHeader?.Trim();
        if (header is not null && CheckHeader(header) is { } headerProblem) Error("signatureHeader", headerProblem);
        if (input.SignaturePrefix is not null && CheckPrefix(input.SignaturePrefix) is { } prefixProblem) Error("signaturePrefix", prefixProblem);
        if (input.PayloadFormat is not null && !PayloadFormats.All.Contains(input.PayloadFormat))
            Error("payloadFormat", "payloadFormat is 'v2' (the default body) or 'v1' (the older webhooks guide's body).");
        var filter = string.IsNullOrWhiteSpace(input.Filter) ? null : input.Filter.Trim();
        if (input.HasFilter && CheckFilter(input.Filter) is { } filterProblem) Error("filter", filterProblem);
        TimeSpan[]? delays = null;
        if (input.RetryDelays is { } rawDelays)
        {
            if (DeliveryPolicy.CheckRetryDelays(rawDelays, out var parsed) is { } delaysProblem) Error("retryDelays", delaysProblem);
            else delays = parsed;
        }
        if (input.Timeout is { } seconds && DeliveryPolicy.CheckTimeout(seconds) is { } timeoutProblem) Error("timeout", timeoutProblem);
        if (input.Ordering is not null && !Orderings.Contains(input.Ordering))
            Error("ordering", "ordering is 'none' (any order, the fastest) or 'record' (one record's deliveries in event order).");
        if (input.RateLimit is < 1 or > MaxRateLimit) Error("rateLimit", $"rateLimit is a number of deliveries per second from 1 to {MaxRateLimit}, or null for none.");
        if (input.SignatureScheme is not null && !Schemes.Contains(input.SignatureScheme))
            Error("signatureScheme", "signatureScheme is 'hmac' (the shared secret) or 'ed25519' (a key pair: receivers verify with the public key).");
        var headers = input.HasHeaders ? Clean(input.Headers) : CustomHeaders.Parse(s.Headers);
        var oldSecret = s.SecretHeadersCipher is { } cipher ? CustomHeaders.Parse(secrets.Unprotect(cipher)) : [];
        // A value sent back as its mask keeps the stored value, so a form can change one header without knowing the others.
        var secretHeaders = !input.HasSecretHeaders ? oldSecret
            : Clean(input.SecretHeaders).ToDictionary(h => h.Key, h => oldSecret.TryGetValue(h.Key, out var kept) && CustomHeaders.Mask(kept) == h.Value ? kept : h.Value, StringComparer.OrdinalIgnoreCase);
        var signatureHeaderAfter = header ?? s.SignatureHeader;
        foreach (var (field, list) in new[] { ("headers", headers), ("secretHeaders", secretHeaders) })
            foreach (var (headerName, value) in list)
                if (CustomHeaders.Check(headerName, value, signatureHeaderAfter) is { } problem) Error(field, problem);
        if (headers.Count + secretHeaders.Count > CustomHeaders.Max)
            Error(input.HasSecretHeaders ? "secretHeaders" : "headers", $"{headers.Count + secretHeaders.Count} headers in all; at most {CustomHeaders.Max}.");
        foreach (var both in headers.Keys.Where(secretHeaders.ContainsKey))
            Error("secretHeaders", $"'{both}' is in both headers and secretHeaders; name it once.");

        if (errors.Count > 0) throw ServiceException.Invalid(errors);

        if (name is not null) s.Name = name;
        if (url is not null) s.Url = url;
        if (events is not null) s.Events = string.Join(',', events);
        if (slugs is not null) s.RecordSlugs = string.Join(',', slugs);
        if (input.Status is not null)
        {
            s.Status = input.Status;
            if (input.Status == SubscriptionStatus.Active) s.DisabledReason = null;
        }
        if (input.Algorithm is not null) s.Algorithm = input.Algorithm;
        if (input.Encoding is not null) s.Encoding = input.Encoding;
        if (header is not null) s.SignatureHeader = header;
        if (input.SignaturePrefix is not null) s.SignaturePrefix = input.SignaturePrefix;
        if (input.PayloadFormat is not null) s.PayloadFormat = input.PayloadFormat;
        if (input.HasFilter) s.Filter = filter;
        if (input.HasRetryDelays) s.RetryDelays = delays is null ? null : DeliveryPolicy.Store(delays);
        if (input.HasTimeout) s.TimeoutSeconds = input.Timeout;
        if (input.Ordering is not null) s.Ordering = input.Ordering;
        if (input.HasRateLimit && s.RateLimit != input.RateLimit)
            (s.RateLimit, s.EffectiveRate, s.ThrottledAt, s.RateSlotsUntil) = (input.RateLimit, null, null, null);
        if (input.HasHeaders) s.Headers = CustomHeaders.Store(headers);
        if (input.HasSecretHeaders)
        {
            s.SecretHeadersCipher = secretHeaders.Count == 0 ? null : secrets.Protect(CustomHeaders.Store(secretHeaders)!);
            s.SecretHeadersHint = CustomHeaders.Store(secretHeaders.ToDictionary(h => h.Key, h => CustomHeaders.Mask(h.Value)));
        }
        if (input.SignatureScheme is not null) s.SignatureScheme = input.SignatureScheme;
    }

    /// <summary>Header names as given (trimmed), duplicates by case folded into the last; a null map is none.</summary>
    static Dictionary<string, string> Clean(IReadOnlyDictionary<string, string?>? headers)
    {
        var clean = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers ?? new Dictionary<string, string?>()) clean[name.Trim()] = value!;
        return clean;
    }

    /// <summary>
    /// The console's "try it": builds the event body (in the subscription's format) a change of the collection's most recently updated record would send,
    /// and evaluates <paramref name="filter"/> against it exactly as fan-out does.
    /// </summary>
    public async Task<FilterTrial> TryFilterAsync(Guid workspaceId, string workspaceSlug, string? filter, string collectionSlug,
        string eventType = EventTypes.RecordUpdated, CancellationToken ct = default, string payloadFormat = PayloadFormats.V2)
    {
        if (CheckFilter(filter) is { } problem) return new FilterTrial(false, problem, null, null);
        var latest = (await records.QueryAsync(workspaceId, collectionSlug, new RecordQuery(0, 1, RecordSort.Updated), ct)).Items.FirstOrDefault();
        if (latest is null) return new FilterTrial(false, $"The collection '{collectionSlug}' has no records yet.", null, null);
        var (data, now) = (latest.Data.GetRawText(), time.GetUtcNow().UtcDateTime);
        var body = payloadFormat == PayloadFormats.V1 ? EventOutbox.LegacyBody(eventType, workspaceSlug, collectionSlug, latest.Id, data, now)
            : EventOutbox.Body(eventType, workspaceSlug, collectionSlug, latest.Id, data, now);
        var matched = string.IsNullOrWhiteSpace(filter) || SubscriptionFilter.Compile(filter).Matches(body);
        return new FilterTrial(matched, null, latest.Id, System.Text.Encoding.UTF8.GetString(body));
    }

    /// <summary>The problem of a filter text as "at position N: …", or null when it compiles (or is empty: no filter).</summary>
    public static string? CheckFilter(string? filter) =>
        // Positions count in the text as typed, so it is checked untrimmed (the parser skips spaces anyway).
        string.IsNullOrWhiteSpace(filter) ? null : SubscriptionFilter.Check(filter);

    /// <summary>Every rule a save applies to a URL, shape and network (with the reason a private address is refused); null when it would pass.</summary>
    public async Task<string?> CheckUrlAsync(string? url, CancellationToken ct = default)
    {
        var trimmed = url?.Trim() ?? "";
        return CheckUrl(trimmed) ?? await guard.RefusalAsync(new Uri(trimmed), ct);
    }

    /// <summary>The shape rules of a webhook URL (the network rules are <see cref="UrlGuard"/>'s).</summary>
    public static string? CheckUrl(string url)
    {
        if (url.Length == 0) return "A subscription needs a URL.";
        if (url.Length > 2048) return "The URL is longer than 2048 characters.";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            return "The URL must be absolute http:// or https://, e.g. https://customer.example.com/webhooks.";
        return null;
    }

    public static string? CheckHeader(string header)
    {
        if (header.Length is 0 or > 64 || !HeaderToken().IsMatch(header))
            return "The signature header must be an HTTP header name of 1 to 64 letters, digits or !#$%&'*+-.^_`|~.";
        if (ReservedHeaders.Contains(header) || ReservedHeaderPrefixes.Any(p => header.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            return $"'{header}' is a header the sender sets itself or HTTP reserves; choose another, e.g. X-Signature.";
        return null;
    }

    public static string? CheckPrefix(string prefix)
    {
        if (prefix.Length > MaxPrefixLength) return $"The signature prefix is at most {MaxPrefixLength} characters.";
        if (prefix.Any(c => c is < '!' or > '~')) return "The signature prefix may only hold printable ASCII without spaces, e.g. sha256=.";
        return null;
    }

    [GeneratedRegex("^([0-9]{1,4}):([0-5][0-9])(?::([0-5][0-9]))?$")]
    private static partial Regex HoursMinutes();

    // RFC 7230 tchar.
    [GeneratedRegex("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")]
    private static partial Regex HeaderToken();

    static SubscriptionView ToView(Subscription s, CircuitView circuit) => new(
        s.Id, s.Name, s.Url,
        Split(s.Events), Split(s.RecordSlugs),
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
