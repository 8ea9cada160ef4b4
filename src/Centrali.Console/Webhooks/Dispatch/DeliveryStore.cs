using System.Data.Common;
using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Filters;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.EntityFrameworkCore.Storage;

namespace Centrali.Console.Webhooks.Dispatch;

/// <summary>
/// A dispatch's places among its receiver hosts' and rate limits' claimed deliveries (<see cref="HostSlots"/>,
/// <see cref="RateSlots"/>): a delivery takes one as it is leased; a lease that is not written gives it back.
/// </summary>
public sealed record SendPlaces(Func<Subscription, bool> TryTake, Action<Subscription> GiveBack);

/// <summary>A delivery whose lease this dispatch holds, with what sending it needs.</summary>
public sealed class Claimed
{
    public required Guid Id { get; init; }
    public required Guid WorkspaceId { get; init; }
    public required Guid SubscriptionId { get; init; }
    public required Guid EventId { get; init; }
    public required string EventType { get; init; }
    public required int AttemptCount { get; init; }
    public required int MaxAttempts { get; init; }
    public Guid? ReplayedFrom { get; init; }
    public int? LastStatusCode { get; init; }
    public required Guid LeaseId { get; init; }
    /// <summary>When the lease ends: an attempt that could outlast it is not started.</summary>
    public required DateTime LeaseUntil { get; init; }
    /// <summary>The payload format the delivery was made with: which of its event's bodies it sends.</summary>
    public string PayloadFormat { get; init; } = PayloadFormats.V2;
    public byte[] Body { get; set; } = [];
    /// <summary>The trace of the write that made the event, for the attempt's span to link to.</summary>
    public string? TraceParent { get; set; }
    /// <summary>Null once the subscription was deleted.</summary>
    public Subscription? Subscription { get; set; }
    /// <summary>Holds a place among its receiver host's claimed deliveries (<see cref="HostSlots"/>).</summary>
    public bool Reserved { get; set; }
    /// <summary>Holds a place among its rate-limited subscription's claimed deliveries (<see cref="RateSlots"/>).</summary>
    public bool RateReserved { get; set; }
    /// <summary>A rate-limited delivery is sent no earlier than this.</summary>
    public DateTime? RateSlot { get; set; }

    string? host;
    /// <summary>The receiver host (host:port) of its subscription's URL, parsed once.</summary>
    public string Host => host ??= HostSlots.HostOf(Subscription!.Url);

    /// <summary>A replay, a recover or a test event not yet attempted: a person asked for it now, so it passes an open circuit.</summary>
    public bool OperatorIntent => AttemptCount == 0 && (ReplayedFrom is not null || EventType == EventTypes.WebhookTest);

    public DeliveryState Change(string status, int attemptCount, DateTime? nextAttemptAt, int? lastStatusCode) =>
        new(Id, WorkspaceId, SubscriptionId, EventId, EventType, status, attemptCount, MaxAttempts, nextAttemptAt, lastStatusCode, ReplayedFrom);
}

/// <summary>What became of one claimed delivery: an attempt was made, it was put back for later, or it ended without sending.</summary>
public sealed record Outcome(Claimed Delivery, string Status, int AttemptCount, DateTime? NextAttemptAt, int? LastStatusCode, string? LastError,
    DateTime? CompletedAt, bool WaitingOnCircuit = false, Attempt? Attempt = null, CircuitResult? Circuit = null, bool Gone = false,
    int? MaxAttempts = null)
{
    /// <summary>Put back: no attempt, the lease given up, due again at <see cref="NextAttemptAt"/>.</summary>
    public bool PutBack => Attempt is null && Status == DeliveryStatus.Pending;

    public DeliveryState Change => Delivery.Change(Status, AttemptCount, NextAttemptAt, LastStatusCode);
}

/// <summary>
/// The dispatcher's statements, many deliveries per statement or transaction: fan-out of new events, the claim of due
/// deliveries, and the group commit of outcomes. Plain SQL (the model and migrations stay EF Core's): per delivery,
/// EF's change tracking and command building cost more than the database does.
/// </summary>
public sealed class DeliveryStore(IDbContextFactory<AppDbContext> dbs, CircuitBreaker circuits, SubscriptionFilters filters,
    PayloadIndex payloads, ActiveSubscriptions activeSubscriptions, IOptions<WebhookOptions> options, TimeProvider time, IConfiguration config)
{
    const int RowsPerInsert = 200;
    readonly SqlDialect sql = new(DatabaseSetup.IsPostgres(config));

    public SqlDialect Dialect => sql;

    long longestTimeoutTicks;
    /// <summary>The longest attempt timeout of the subscriptions this process has dispatched for (at least Webhooks:Timeout): leases cover it.</summary>
    public TimeSpan LongestTimeout => TimeSpan.FromTicks(Math.Max(options.Value.Timeout.Ticks, Interlocked.Read(ref longestTimeoutTicks)));

    /// <summary>Margin of a lease over what it must cover; an attempt that could end within it of its lease's end is not started.</summary>
    public static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A claim's lease. Claimed, a delivery waits for its host's slots and for one of the send slots, then sends: three timeouts.
    /// A fast host may have several rounds waiting (see <see cref="HostSlots"/>), and a delivery whose lease could end
    /// mid-attempt is given back unsent.
    /// </summary>
    public TimeSpan Lease => LongestTimeout * 3 + LeaseMargin;

    /// <summary>Notes a subscription about to be dispatched for, so leases cover its timeout.</summary>
    public void Saw(Subscription s)
    {
        if (s.TimeoutSeconds is not { } seconds) return;
        var ticks = TimeSpan.FromSeconds(seconds).Ticks;
        long current;
        while ((current = Interlocked.Read(ref longestTimeoutTicks)) < ticks && Interlocked.CompareExchange(ref longestTimeoutTicks, ticks, current) != current) { }
    }

    /// <summary>
    /// Writes the deliveries of up to <paramref name="maxEvents"/> events still waiting for fan-out, one per matching active
    /// subscription, and marks the events, in one transaction. Up to <paramref name="room"/> of the new deliveries are
    /// leased to this dispatch and answered, those <paramref name="places"/> has room for (their receiver host and rate
    /// limit); the rest are left due for a later claim. <paramref name="created"/> gets every new delivery, for the live log.
    /// </summary>
    public async Task<List<Claimed>> FanOutAsync(List<Delivery> created, int maxEvents, int room, SendPlaces places,
        Guid leaseId, DateTime leaseUntil, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        // A read first: most creates fan out in their own transaction (CreateFanOut), so most looks find nothing, and
        // finding nothing must not wait for SQLite's one writer.
        await db.Database.OpenConnectionAsync(ct);
        await using (var any = Command(db, null))
        {
            any.CommandText = """SELECT 1 FROM "Events" WHERE "FanOutPending" = TRUE LIMIT 1""";
            if (await any.ExecuteScalarAsync(ct) is null) return [];
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var events = new List<WebhookEvent>();
        await using (var cmd = Command(db, tx))
        {
            cmd.CommandText = $"""
                UPDATE "Events" SET "FanOutPending" = FALSE WHERE "Id" IN (
                    SELECT "Id" FROM "Events" WHERE "FanOutPending" = TRUE ORDER BY "Id" LIMIT @n{sql.SkipLocked})
                RETURNING "Id", "WorkspaceId", "Type", "RecordSlug", "RecordId", "Body", "CreatedAt", "TraceParent", "LegacyBody"
                """;
            SqlDialect.Add(cmd, "@n", maxEvents);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                events.Add(new WebhookEvent
                {
                    Id = sql.Guid(r, 0), WorkspaceId = sql.Guid(r, 1), Type = r.GetString(2), CollectionSlug = r.GetString(3),
                    RecordId = sql.NullableGuid(r, 4), Body = (byte[])r.GetValue(5), CreatedAt = sql.Time(r, 6),
                    TraceParent = r.IsDBNull(7) ? null : r.GetString(7), LegacyBody = r.IsDBNull(8) ? null : (byte[])r.GetValue(8),
                });
        }
        if (events.Count == 0)
        {
            await tx.CommitAsync(ct);
            return [];
        }
        // SQLite: queued for the log's payload search, indexed in the background (PostgreSQL scans the bodies).
        if (!sql.Postgres) await PayloadIndex.QueueAsync(db.Database.GetDbConnection(), tx.GetDbTransaction(), events.Select(e => sql.Value(e.Id)), ct);

        var workspaces = events.Select(e => e.WorkspaceId).Distinct().ToList();
        var active = await activeSubscriptions.ReadAsync(db, workspaces, ct);
        foreach (var s in active.SelectMany(g => g)) Saw(s);
        var now = time.GetUtcNow().UtcDateTime;
        var rows = new List<(Delivery Delivery, Subscription Subscription, WebhookEvent Event)>();
        var matches = events.OrderBy(e => e.Id.ToString()).SelectMany(e => Matching(active[e.WorkspaceId], e).Select(s => (Event: e, Subscription: s))).ToList();
        // Sequential ids in event order, so the log lists deliveries the way their events happened.
        var ids = matches.Select(_ => SequentialId.New()).ToList();
        // Record ordering: the latest earlier delivery of each (subscription, record) still pending, which a new one waits on.
        var ahead = await PendingAheadAsync(db, tx, matches.Where(m => IsOrdered(m.Subscription, m.Event)).ToList(), ct);
        var leased = 0;
        var taken = new List<Subscription>();
        try
        {
            foreach (var ((e, s), id) in matches.Zip(ids))
            {
                var ordered = IsOrdered(s, e);
                string? waiting = null;
                if (ordered && ahead.TryGetValue((s.Id, e.RecordId!.Value), out var earlier))
                    waiting = earlier == Guid.Empty ? "Waiting: an earlier event of this record is still being fanned out (ordering: record)."
                        : $"Waiting on delivery {earlier}: an earlier event of this record goes first (ordering: record).";
                if (ordered) ahead[(s.Id, e.RecordId!.Value)] = id;
                var lease = waiting is null && leased < room && places.TryTake(s);
                if (lease)
                {
                    leased++;
                    taken.Add(s);
                }
                rows.Add((NewDelivery(id, e, s, now, lease ? leaseId : null, leaseUntil, ordered, waiting), s, e));
            }

            await InsertAsync(db, tx, rows.Select(r => r.Delivery).ToList(), ct);
            await tx.CommitAsync(ct);
        }
        catch
        {
            // Nothing was leased: the places taken for it go back.
            foreach (var s in taken) places.GiveBack(s);
            throw;
        }
        if (!sql.Postgres) payloads.Wake();

        created.AddRange(rows.Select(r => r.Delivery));
        return rows.Where(r => r.Delivery.LeaseId is not null).Select(r => ClaimedOf(r.Delivery, r.Subscription, r.Event)).ToList();
    }

    /// <summary>A new delivery of <paramref name="e"/> to <paramref name="s"/>, due at once; leased when <paramref name="leaseId"/> is given.</summary>
    public Delivery NewDelivery(Guid id, WebhookEvent e, Subscription s, DateTime now, Guid? leaseId, DateTime leaseUntil, bool ordered = false, string? waiting = null) => new()
    {
        Id = id,
        WorkspaceId = e.WorkspaceId, SubscriptionId = s.Id, EventId = e.Id, EventType = e.Type, CollectionSlug = e.CollectionSlug,
        RecordId = e.RecordId, MaxAttempts = DeliveryPolicy.MaxAttempts(s, options.Value), NextAttemptAt = e.CreatedAt, CreatedAt = now, PayloadFormat = s.PayloadFormat,
        LeaseUntil = leaseId is null ? null : leaseUntil, LeaseId = leaseId, Ordered = ordered, LastError = waiting,
    };

    /// <summary>A new delivery leased to this process, with what sending it needs; its places (host, rate limit) are taken.</summary>
    public static Claimed ClaimedOf(Delivery d, Subscription s, WebhookEvent e) => new()
    {
        Id = d.Id, WorkspaceId = d.WorkspaceId, SubscriptionId = d.SubscriptionId, EventId = d.EventId,
        EventType = d.EventType, AttemptCount = 0, MaxAttempts = d.MaxAttempts, LeaseId = d.LeaseId!.Value, LeaseUntil = d.LeaseUntil!.Value, PayloadFormat = d.PayloadFormat,
        Body = PayloadFormats.BodyOf(d.PayloadFormat, e.Body, e.LegacyBody), TraceParent = e.TraceParent,
        Subscription = s, Reserved = true, RateReserved = s.RateLimit is not null,
    };

    static bool IsOrdered(Subscription s, WebhookEvent e) => s.Ordering == SubscriptionOrdering.Record && e.RecordId is not null;

    /// <summary>
    /// For each (subscription, record) of <paramref name="ordered"/>: the pending ordered delivery a new one waits on (the
    /// latest by event order). On PostgreSQL, another instance may be fanning out an earlier event of the record right now
    /// (its row locked, so skipped): that record waits too, on <see cref="Guid.Empty"/>, until the claim finds it free.
    /// </summary>
    async Task<Dictionary<(Guid Subscription, Guid Record), Guid>> PendingAheadAsync(AppDbContext db, IDbContextTransaction tx,
        List<(WebhookEvent Event, Subscription Subscription)> ordered, CancellationToken ct)
    {
        var ahead = new Dictionary<(Guid, Guid), Guid>();
        if (ordered.Count == 0) return ahead;
        var records = ordered.Select(m => m.Event.RecordId!.Value).Distinct().ToList();
        await using (var cmd = Command(db, tx))
        {
            cmd.CommandText = $"""
                SELECT "SubscriptionId", "RecordId", "Id" FROM "Deliveries"
                WHERE "Status" = 'pending' AND "Ordered" = TRUE
                    AND "SubscriptionId" IN ({sql.InList(cmd, ordered.Select(m => m.Subscription.Id).Distinct(), "s")})
                    AND "RecordId" IN ({sql.InList(cmd, records, "r")})
                ORDER BY "EventId"
                """;
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) ahead[(sql.Guid(r, 0), sql.Guid(r, 1))] = sql.Guid(r, 2);
        }
        if (!sql.Postgres) return ahead;
        await using (var cmd = Command(db, tx))
        {
            // Ours are no longer pending in this transaction: what is left are events other fan-outs hold (the earliest per record).
            cmd.CommandText = $"""
                SELECT "RecordId", "Id" FROM "Events"
                WHERE "FanOutPending" = TRUE AND "RecordId" IN ({sql.InList(cmd, records, "r")}) ORDER BY "Id"
                """;
            var busy = new Dictionary<Guid, Guid>();
            await using (var r = await cmd.ExecuteReaderAsync(ct))
                while (await r.ReadAsync(ct)) busy.TryAdd(sql.Guid(r, 0), sql.Guid(r, 1));
            foreach (var (e, s) in ordered)
                if (busy.TryGetValue(e.RecordId!.Value, out var earliest) && earliest.CompareTo(e.Id) < 0) ahead.TryAdd((s.Id, e.RecordId.Value), Guid.Empty);
        }
        return ahead;
    }

    /// <summary>The subscriptions an event goes to: its type, its collection, then the filter over the wire body (parsed once per event).</summary>
    public IEnumerable<Subscription> Matching(IEnumerable<Subscription> subscriptions, WebhookEvent e)
    {
        var candidates = subscriptions.Where(s => s.Events.Split(',').Contains(e.Type)
            && (s.CollectionSlugs.Length == 0 || s.CollectionSlugs.Split(',').Contains(e.CollectionSlug))).ToList();
        if (!candidates.Any(s => !string.IsNullOrEmpty(s.Filter))) return candidates;
        // A filter reads the body its subscription receives.
        using var document = JsonDocument.Parse(e.Body);
        using var legacy = candidates.Any(s => !string.IsNullOrEmpty(s.Filter) && s.PayloadFormat == PayloadFormats.V1)
            ? JsonDocument.Parse(PayloadFormats.BodyOf(PayloadFormats.V1, e.Body, e.LegacyBody)) : null;
        return candidates.Where(s => filters.Passes(s.Id, s.Filter, s.PayloadFormat == PayloadFormats.V1 ? legacy!.RootElement : document.RootElement)).ToList();
    }

    const string DeliveryColumns = """
        "Id", "WorkspaceId", "SubscriptionId", "EventId", "EventType", "RecordSlug", "RecordId", "Status", "AttemptCount",
        "MaxAttempts", "NextAttemptAt", "LeaseUntil", "LeaseId", "WaitingOnCircuit", "CreatedAt", "PayloadFormat", "Ordered", "LastError"
        """;

    static string DeliveryValues(string n) =>
        $"(@i{n}, @w{n}, @s{n}, @e{n}, @t{n}, @c{n}, @r{n}, 'pending', 0, @m{n}, @n{n}, @l{n}, @li{n}, FALSE, @a{n}, @f{n}, @o{n}, @x{n})";

    /// <summary>
    /// SQLite: one prepared single-row statement run per row (in-process, each run costs microseconds). SQLite finds a
    /// named parameter by a linear search of the statement's names, so a multi-row statement's thousands of parameters
    /// cost quadratic time to prepare and bind. PostgreSQL: multi-row statements, a round trip per <see cref="RowsPerInsert"/>.
    /// </summary>
    public async Task InsertAsync(AppDbContext db, IDbContextTransaction tx, List<Delivery> rows, CancellationToken ct)
    {
        if (!sql.Postgres)
        {
            await using var one = Command(db, tx);
            one.CommandText = $"INSERT INTO \"Deliveries\" ({DeliveryColumns}) VALUES {DeliveryValues("")}";
            foreach (var d in rows)
            {
                one.Parameters.Clear();
                AddDelivery(one, d, "");
                await one.ExecuteNonQueryAsync(ct);
            }
            return;
        }
        for (var start = 0; start < rows.Count; start += RowsPerInsert)
        {
            await using var cmd = Command(db, tx);
            var text = new StringBuilder($"INSERT INTO \"Deliveries\" ({DeliveryColumns}) VALUES");
            foreach (var (d, i) in rows.Skip(start).Take(RowsPerInsert).Select((d, i) => (d, i)))
            {
                text.Append(i == 0 ? "\n" : ",\n").Append(DeliveryValues(i.ToString(CultureInfo.InvariantCulture)));
                AddDelivery(cmd, d, i.ToString(CultureInfo.InvariantCulture));
            }
            cmd.CommandText = text.ToString();
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    void AddDelivery(DbCommand cmd, Delivery d, string n)
    {
        SqlDialect.Add(cmd, $"@i{n}", sql.Value(d.Id));
        SqlDialect.Add(cmd, $"@w{n}", sql.Value(d.WorkspaceId));
        SqlDialect.Add(cmd, $"@s{n}", sql.Value(d.SubscriptionId));
        SqlDialect.Add(cmd, $"@e{n}", sql.Value(d.EventId));
        SqlDialect.Add(cmd, $"@t{n}", d.EventType);
        SqlDialect.Add(cmd, $"@c{n}", d.CollectionSlug);
        SqlDialect.Add(cmd, $"@r{n}", sql.Value(d.RecordId));
        SqlDialect.Add(cmd, $"@m{n}", d.MaxAttempts);
        SqlDialect.Add(cmd, $"@n{n}", sql.Value(d.NextAttemptAt));
        SqlDialect.Add(cmd, $"@l{n}", sql.Value(d.LeaseUntil));
        SqlDialect.Add(cmd, $"@li{n}", sql.Value(d.LeaseId));
        SqlDialect.Add(cmd, $"@a{n}", sql.Value(d.CreatedAt));
        SqlDialect.Add(cmd, $"@f{n}", d.PayloadFormat);
        SqlDialect.Add(cmd, $"@o{n}", d.Ordered);
        SqlDialect.Add(cmd, $"@x{n}", SqlDialect.Value(d.LastError));
    }

    /// <summary>
    /// Leases up to <paramref name="max"/> due pending deliveries (oldest due first) to this dispatch, those
    /// <paramref name="places"/> has room for (their receiver host and rate limit), and reads their bodies: the candidates
    /// are read and locked, and only the taken ones leased, so a host with little room has no deliveries claimed only to be given back.
    /// </summary>
    /// <param name="skip">Subscriptions whose receiver host is at its limit in this process: their rows stay for later.</param>
    public async Task<List<Claimed>> ClaimAsync(int max, IReadOnlyCollection<Guid> skip, SendPlaces places, Guid leaseId, DateTime leaseUntil,
        CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        // Open for the whole claim: the reads after the lease's commit use the same connection.
        await db.Database.OpenConnectionAsync(ct);
        var claimed = new List<Claimed>();
        if (!await AnyClaimableAsync(db, now, ct)) return claimed;
        var subscriptions = new Dictionary<Guid, Subscription>();
        var taken = new List<Subscription>();
        try
        {
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                var candidates = new List<(Guid Id, Guid SubscriptionId, Guid WorkspaceId)>();
                await using (var cmd = Command(db, tx))
                {
                    var skipping = skip.Count == 0 ? "" : $""" AND d."SubscriptionId" NOT IN ({sql.InList(cmd, skip, "skip")})""";
                    // On PostgreSQL an earlier event of the record may still be in another instance's fan-out (see PendingAheadAsync).
                    var fanningOut = sql.Postgres
                        ? """ AND NOT EXISTS (SELECT 1 FROM "Events" v WHERE v."FanOutPending" = TRUE AND v."RecordId" = d."RecordId" AND v."Id" < d."EventId")"""
                        : "";
                    // Locked until the commit (PostgreSQL; SQLite's write transaction has the database to itself): every candidate taken can be leased.
                    cmd.CommandText = $"""
                        SELECT d."Id", d."SubscriptionId", d."WorkspaceId" FROM "Deliveries" d
                        WHERE d."Status" = 'pending' AND d."NextAttemptAt" <= @now AND (d."LeaseUntil" IS NULL OR d."LeaseUntil" < @now){skipping}
                            AND (d."Ordered" = FALSE OR (NOT EXISTS (SELECT 1 FROM "Deliveries" e
                                WHERE e."Status" = 'pending' AND e."Ordered" = TRUE AND e."SubscriptionId" = d."SubscriptionId"
                                    AND e."RecordId" = d."RecordId" AND e."EventId" < d."EventId"){fanningOut}))
                        ORDER BY d."NextAttemptAt" LIMIT @n{sql.SkipLocked}
                        """;
                    SqlDialect.Add(cmd, "@now", sql.Value(now));
                    SqlDialect.Add(cmd, "@n", max);
                    await using var r = await cmd.ExecuteReaderAsync(ct);
                    while (await r.ReadAsync(ct)) candidates.Add((sql.Guid(r, 0), sql.Guid(r, 1), sql.Guid(r, 2)));
                }
                if (candidates.Count == 0)
                {
                    await tx.CommitAsync(ct);
                    return claimed;
                }
                // The active ones from memory (SQLite), so the write lock is not held for a query.
                subscriptions = await activeSubscriptions.ByIdAsync(db, candidates.Select(c => (c.SubscriptionId, c.WorkspaceId)).ToHashSet(), ct);
                // A delivery whose subscription is gone is leased too: its attempt ends it.
                var leasing = candidates.Where(c => subscriptions.GetValueOrDefault(c.SubscriptionId) is not { } s || Take(s)).Select(c => c.Id).ToList();
                if (leasing.Count > 0)
                {
                    await using var cmd = Command(db, tx);
                    cmd.CommandText = $"""
                        UPDATE "Deliveries" SET "LeaseUntil" = @lease, "LeaseId" = @leaseId WHERE "Id" IN ({sql.InList(cmd, leasing)})
                        RETURNING "Id", "WorkspaceId", "SubscriptionId", "EventId", "EventType", "AttemptCount", "MaxAttempts", "ReplayedFrom", "LastStatusCode", "PayloadFormat"
                        """;
                    SqlDialect.Add(cmd, "@lease", sql.Value(leaseUntil));
                    SqlDialect.Add(cmd, "@leaseId", sql.Value(leaseId));
                    await using var r = await cmd.ExecuteReaderAsync(ct);
                    while (await r.ReadAsync(ct))
                    {
                        var subscription = subscriptions.GetValueOrDefault(sql.Guid(r, 2));
                        claimed.Add(new Claimed
                        {
                            Id = sql.Guid(r, 0), WorkspaceId = sql.Guid(r, 1), SubscriptionId = sql.Guid(r, 2), EventId = sql.Guid(r, 3),
                            EventType = r.GetString(4), AttemptCount = r.GetInt32(5), MaxAttempts = r.GetInt32(6), ReplayedFrom = sql.NullableGuid(r, 7),
                            LastStatusCode = r.IsDBNull(8) ? null : r.GetInt32(8), LeaseId = leaseId, LeaseUntil = leaseUntil, PayloadFormat = r.GetString(9),
                            Subscription = subscription, Reserved = subscription is not null, RateReserved = subscription?.RateLimit is not null,
                        });
                    }
                }
                await tx.CommitAsync(ct);
            }
            if (claimed.Count == 0) return claimed;

            var events = new Dictionary<Guid, (byte[] Body, string? TraceParent, byte[]? LegacyBody)>();
            await using (var cmd = Command(db, null))
            {
                // The v1 body only when a claimed delivery sends it.
                var legacy = claimed.Any(c => c.PayloadFormat == PayloadFormats.V1) ? "\"LegacyBody\"" : "NULL";
                cmd.CommandText = $"""SELECT "Id", "Body", "TraceParent", {legacy} FROM "Events" WHERE "Id" IN ({sql.InList(cmd, claimed.Select(c => c.EventId).Distinct())})""";
                await using var r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                    events[sql.Guid(r, 0)] = ((byte[])r.GetValue(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : (byte[])r.GetValue(3));
            }
            foreach (var s in subscriptions.Values) Saw(s);
            foreach (var c in claimed)
            {
                var (body, traceParent, legacyBody) = events[c.EventId];
                (c.Body, c.TraceParent) = (PayloadFormats.BodyOf(c.PayloadFormat, body, legacyBody), traceParent);
            }
            return claimed;
        }
        catch
        {
            // None of them will be sent by this dispatch (a lease written lapses and the row is claimed again): their places go back.
            foreach (var s in taken) places.GiveBack(s);
            throw;
        }

        bool Take(Subscription s)
        {
            if (!places.TryTake(s)) return false;
            taken.Add(s);
            return true;
        }
    }

    /// <summary>
    /// Whether any pending delivery is due and unleased: a read, which waits for no writer. Most claims of a busy dispatcher find
    /// nothing (its fan-out hands it the new deliveries), and a claim is a write transaction that waits its turn for SQLite's one writer.
    /// </summary>
    async Task<bool> AnyClaimableAsync(AppDbContext db, DateTime now, CancellationToken ct)
    {
        await using var cmd = Command(db, null);
        cmd.CommandText = """
            SELECT 1 FROM "Deliveries" d
            WHERE d."Status" = 'pending' AND d."NextAttemptAt" <= @now AND (d."LeaseUntil" IS NULL OR d."LeaseUntil" < @now) LIMIT 1
            """;
        SqlDialect.Add(cmd, "@now", sql.Value(now));
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>When the next pending delivery this dispatch cannot claim now becomes claimable: its due time, or the end of another's lease.</summary>
    public async Task<DateTime?> NextDueAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        var pending = db.Deliveries.Where(d => d.Status == DeliveryStatus.Pending);
        var due = await pending.Where(d => d.NextAttemptAt > now).MinAsync(d => d.NextAttemptAt, ct);
        var leaseEnd = await pending.Where(d => d.LeaseUntil > now).MinAsync(d => d.LeaseUntil, ct);
        return due is null ? leaseEnd : leaseEnd is null ? due : due < leaseEnd ? due : leaseEnd;
    }

    /// <summary>
    /// The group commit: every outcome in one transaction, each only if this dispatch still holds its delivery's lease
    /// (a lapsed and re-claimed lease records nothing, so no attempt number is written twice). Answers the outcomes written.
    /// </summary>
    public async Task<List<Outcome>> RecordAsync(IReadOnlyList<Outcome> outcomes, CancellationToken ct)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var written = sql.Postgres ? await WritePostgresAsync(db, tx, outcomes, ct) : await WriteSqliteAsync(db, tx, outcomes, ct);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var gone in written.Where(o => o.Gone).Select(o => o.Delivery.SubscriptionId).Distinct())
            await db.Database.ExecuteSqlAsync($"""
                UPDATE "Subscriptions" SET "Status" = {SubscriptionStatus.Inactive}, "DisabledReason" = {$"The receiver answered 410 Gone on {now:u}."}, "UpdatedAt" = {now}
                WHERE "Id" = {gone}
                """, ct);
        await AdaptRatesAsync(db, written, now, ct);
        var changedCircuits = await circuits.RecordAsync(db, written.Where(o => o.Circuit is not null).Select(o => o.Circuit!).ToList(), ct);
        await tx.CommitAsync(ct);
        circuits.Forget(changedCircuits);
        return written;
    }

    /// <summary>Receiver answers that ask a sender to slow down: each halves a rate-limited subscription's rate.</summary>
    public static bool IsThrottling(int? status) => status is 429 or 502 or 503 or 504;

    /// <summary>
    /// Adaptive throttling, one statement per rate-limited subscription the group touched: a throttling answer halves its
    /// rate (at most once a second, never below 1/s); successes raise a lowered rate again by a twentieth of the limit
    /// (at least 1/s) per second's worth of them, so it is back at the limit after about twenty seconds.
    /// </summary>
    async Task AdaptRatesAsync(AppDbContext db, List<Outcome> written, DateTime now, CancellationToken ct)
    {
        foreach (var group in written.Where(o => o.Attempt is not null && o.Delivery.Subscription?.RateLimit is not null)
                     .GroupBy(o => o.Delivery.SubscriptionId))
        {
            var s = group.First().Delivery.Subscription!;
            if (group.Any(o => IsThrottling(o.Attempt!.StatusCode)))
            {
                var since = now - TimeSpan.FromSeconds(1);
                await db.Database.ExecuteSqlAsync($"""
                    UPDATE "Subscriptions" SET "ThrottledAt" = {now},
                        "EffectiveRate" = CASE WHEN COALESCE("EffectiveRate", "RateLimit") / 2.0 < {RateSlots.MinRate} THEN {RateSlots.MinRate}
                            ELSE COALESCE("EffectiveRate", "RateLimit") / 2.0 END
                    WHERE "Id" = {s.Id} AND "RateLimit" IS NOT NULL AND ("ThrottledAt" IS NULL OR "ThrottledAt" <= {since})
                    """, ct);
                continue;
            }
            var successes = group.Count(o => o.Status == DeliveryStatus.Succeeded);
            if (successes == 0 || s.EffectiveRate is not { } rate) continue;
            var step = successes * Math.Max(1, s.RateLimit!.Value / 20.0) / Math.Max(RateSlots.MinRate, rate);
            await db.Database.ExecuteSqlAsync($"""
                UPDATE "Subscriptions" SET "EffectiveRate" = CASE WHEN "EffectiveRate" + {step} >= "RateLimit" THEN NULL ELSE "EffectiveRate" + {step} END
                WHERE "Id" = {s.Id} AND "EffectiveRate" IS NOT NULL
                """, ct);
        }
    }

    /// <summary>
    /// PostgreSQL's shared token bucket: takes the next <c>count</c> send slots of each subscription from its row, in one
    /// statement (the row lock orders the instances). Answers the first slot of each and their spacing.
    /// </summary>
    public async Task<Dictionary<Guid, (DateTime First, TimeSpan Spacing)>> TakeRateSlotsAsync(IReadOnlyDictionary<Guid, int> counts, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await dbs.CreateDbContextAsync(ct);
        await db.Database.OpenConnectionAsync(ct);
        await using var cmd = Command(db, null);
        var values = new List<string>();
        foreach (var (id, n) in counts)
        {
            values.Add($"(@s{values.Count}, @n{values.Count})");
            SqlDialect.Add(cmd, $"@s{values.Count - 1}", sql.Value(id));
            SqlDialect.Add(cmd, $"@n{values.Count - 1}", n);
        }
        const string rate = """GREATEST(@min, LEAST(s."RateLimit", COALESCE(s."EffectiveRate", s."RateLimit")))""";
        cmd.CommandText = $"""
            UPDATE "Subscriptions" s SET "RateSlotsUntil" = GREATEST(COALESCE(s."RateSlotsUntil", @now), @now) + v.n * @margin / {rate} * INTERVAL '1 second'
            FROM (VALUES {string.Join(", ", values)}) AS v(id, n)
            WHERE s."Id" = v.id
            RETURNING s."Id", s."RateSlotsUntil", v.n, {rate}
            """;
        SqlDialect.Add(cmd, "@now", sql.Value(now));
        SqlDialect.Add(cmd, "@min", RateSlots.MinRate);
        SqlDialect.Add(cmd, "@margin", RateSlots.Margin);
        var slots = new Dictionary<Guid, (DateTime, TimeSpan)>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var spacing = RateSlots.Spacing(r.GetDouble(3));
            slots[sql.Guid(r, 0)] = (sql.Time(r, 1) - spacing * r.GetInt32(2), spacing);
        }
        return slots;
    }

    async Task<List<Outcome>> WriteSqliteAsync(AppDbContext db, IDbContextTransaction tx, IReadOnlyList<Outcome> outcomes, CancellationToken ct)
    {
        // Prepared once per group commit, run once per outcome: SQLite is in-process, so a statement costs microseconds.
        await using var update = Command(db, tx);
        update.CommandText = UpdateText;
        var u = new ParameterSink(update.Parameters, update.CreateParameter);
        await using var putBack = Command(db, tx);
        putBack.CommandText = PutBackText;
        var p = new ParameterSink(putBack.Parameters, putBack.CreateParameter);
        await using var insert = Command(db, tx);
        insert.CommandText = InsertAttemptText("VALUES (@aid, @adid, @number, @started, @ms, @acode, @aerror, @body, @rsp, @req)");
        var a = new ParameterSink(insert.Parameters, insert.CreateParameter);

        var written = new List<Outcome>(outcomes.Count);
        foreach (var o in outcomes)
        {
            if (o.PutBack)
            {
                p.PutBack(sql, o);
                if (await putBack.ExecuteNonQueryAsync(ct) == 1) written.Add(o);
                continue;
            }
            u.Update(sql, o);
            if (await update.ExecuteNonQueryAsync(ct) != 1) continue;
            if (o.Attempt is { } attempt)
            {
                a.Attempt(sql, attempt);
                await insert.ExecuteNonQueryAsync(ct);
            }
            written.Add(o);
        }
        return written;
    }

    /// <summary>One round trip for the whole group: each attempt is an UPDATE … RETURNING feeding its INSERT, so it is written only with its lease.</summary>
    async Task<List<Outcome>> WritePostgresAsync(AppDbContext db, IDbContextTransaction tx, IReadOnlyList<Outcome> outcomes, CancellationToken ct)
    {
        var connection = db.Database.GetDbConnection();
        await using var batch = connection.CreateBatch();
        batch.Transaction = tx.GetDbTransaction();
        foreach (var o in outcomes)
        {
            var command = batch.CreateBatchCommand();
            var shim = new ParameterSink(command.Parameters, command.CreateParameter);
            if (o.PutBack)
            {
                command.CommandText = PutBackText;
                shim.PutBack(sql, o);
            }
            else
            {
                command.CommandText = o.Attempt is null ? UpdateText
                    : $"""
                      WITH d AS ({UpdateText} RETURNING "Id")
                      {InsertAttemptText("SELECT @aid, d.\"Id\", @number, @started, @ms, @acode, @aerror, @body, @rsp, @req FROM d")}
                      """;
                shim.Update(sql, o);
                if (o.Attempt is { } attempt) shim.Attempt(sql, attempt);
            }
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
        return outcomes.Where((_, i) => batch.BatchCommands[i].RecordsAffected == 1).ToList();
    }

    const string UpdateText = """
        UPDATE "Deliveries" SET "Status" = @status, "AttemptCount" = @count, "NextAttemptAt" = @next, "LeaseUntil" = NULL, "LeaseId" = NULL,
            "LastStatusCode" = @code, "LastError" = @error, "CompletedAt" = @done, "WaitingOnCircuit" = FALSE, "MaxAttempts" = @max
        WHERE "Id" = @id AND "LeaseId" = @leaseId
        """;

    // A put-back keeps the last attempt's status and error unless it says why it waits.
    const string PutBackText = """
        UPDATE "Deliveries" SET "NextAttemptAt" = @next, "LeaseUntil" = NULL, "LeaseId" = NULL, "WaitingOnCircuit" = @waiting,
            "LastError" = COALESCE(@error, "LastError")
        WHERE "Id" = @id AND "LeaseId" = @leaseId
        """;

    static string InsertAttemptText(string values) => $"""
        INSERT INTO "Attempts" ("Id", "DeliveryId", "Number", "StartedAt", "DurationMs", "StatusCode", "Error", "ResponseBody", "ResponseHeaders", "RequestHeaders")
        {values}
        """;


    static DbCommand Command(AppDbContext db, IDbContextTransaction? tx)
    {
        var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.Transaction = tx?.GetDbTransaction();
        return cmd;
    }

    /// <summary>Named parameters of one statement, set again for each outcome.</summary>
    sealed class ParameterSink(DbParameterCollection parameters, Func<DbParameter> create)
    {
        public void Update(SqlDialect sql, Outcome o)
        {
            Put("@status", o.Status);
            Put("@count", o.AttemptCount);
            Put("@next", sql.Value(o.NextAttemptAt));
            Put("@code", SqlDialect.Value(o.LastStatusCode));
            Put("@error", SqlDialect.Value(Clean(o.LastError)));
            Put("@done", sql.Value(o.CompletedAt));
            Put("@max", o.MaxAttempts ?? o.Delivery.MaxAttempts);
            Put("@id", sql.Value(o.Delivery.Id));
            Put("@leaseId", sql.Value(o.Delivery.LeaseId));
        }

        public void PutBack(SqlDialect sql, Outcome o)
        {
            Put("@next", sql.Value(o.NextAttemptAt));
            Put("@waiting", o.WaitingOnCircuit);
            Put("@error", SqlDialect.Value(Clean(o.LastError)));
            Put("@id", sql.Value(o.Delivery.Id));
            Put("@leaseId", sql.Value(o.Delivery.LeaseId));
        }

        public void Attempt(SqlDialect sql, Attempt a)
        {
            Put("@aid", sql.Value(a.Id));
            Put("@adid", sql.Value(a.DeliveryId));
            Put("@number", a.Number);
            Put("@started", sql.Value(a.StartedAt));
            Put("@ms", a.DurationMs);
            Put("@acode", SqlDialect.Value(a.StatusCode));
            Put("@aerror", SqlDialect.Value(Clean(a.Error)));
            Put("@body", SqlDialect.Value(Clean(a.ResponseBody)));
            Put("@rsp", SqlDialect.Value(Clean(a.ResponseHeaders)));
            Put("@req", SqlDialect.Value(Clean(a.RequestHeaders)));
        }

        void Put(string name, object value)
        {
            var index = parameters.IndexOf(name);
            if (index >= 0)
            {
                parameters[index].Value = value;
                return;
            }
            var p = create();
            p.ParameterName = name;
            p.Value = value;
            parameters.Add(p);
        }
    }

    /// <summary>PostgreSQL text cannot hold NUL, and a receiver's answer may contain anything: a recorded attempt must never fail on it.</summary>
    public static string? Clean(string? text) => text is null || !text.Contains('\0') ? text : text.Replace("\0", "\\u0000");
}
