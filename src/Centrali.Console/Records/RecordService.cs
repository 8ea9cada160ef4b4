using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Records;

/// <summary>A record as the API and the console show it; <see cref="Collection"/> is the collection's slug.</summary>
public sealed record RecordView(Guid Id, string Collection, JsonElement Data, DateTime CreatedAt, DateTime UpdatedAt,
    [property: JsonIgnore] int Version = 1)
{
    /// <summary>The record's version as an HTTP entity tag: sent as ETag, expected back in If-Match.</summary>
    [JsonIgnore]
    public string ETag => $"\"{Version}\"";
}

public enum RecordSort { Created, Updated }

/// <summary>The console table's query: a page by offset, sorted by a time, filtered by text in the data.</summary>
public sealed record RecordQuery(int Skip, int Take, RecordSort Sort = RecordSort.Created, bool Descending = true, string? Search = null);

public sealed record RecordTablePage(List<RecordView> Items, int Total);

/// <summary>Creates, changes and deletes records; every committed change writes its event in the same transaction.</summary>
public sealed class RecordService(IDbContextFactory<AppDbContext> dbs, TimeProvider time, EventOutbox outbox, Idempotency idempotency, IOptions<RecordOptions> options, Telemetry telemetry,
    CollectionIds collections, RecordCommits commits)
{
    public int MaxBytes => options.Value.MaxBytes;

    /// <summary>One keyset page, in creation order (version-7 ids sort by creation time).</summary>
    public async Task<Page<RecordView>> ListAsync(Guid workspaceId, string collectionSlug, int? limit = null, string? cursor = null, CancellationToken ct = default)
    {
        var take = Paging.Limit(limit);
        var after = Paging.Cursor(cursor);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var collectionId = await collections.FindAsync(db, workspaceId, collectionSlug, ct);
        var query = db.Records.AsNoTracking().Where(r => r.CollectionId == collectionId);
        if (after is { } a) query = query.Where(r => r.Id.CompareTo(a) > 0);
        // Sizes first: a page of large records reads no more than the byte budget (and one row) into memory, whatever the limit.
        var sizes = await query.OrderBy(r => r.Id).Select(r => r.Data.Length).Take(take + 1).ToListAsync(ct);
        var (fetch, bytes) = (0, 0L);
        while (fetch < sizes.Count && bytes < Paging.ByteBudget) bytes += sizes[fetch++];
        var rows = await query.OrderBy(r => r.Id).Take(Math.Min(sizes.Count, fetch + 1)).ToListAsync(ct);
        return Paging.ToPage(rows, take, r => r.Id, r => View(r, collectionSlug));
    }

    public async Task<RecordTablePage> QueryAsync(Guid workspaceId, string collectionSlug, RecordQuery q, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var collectionId = await collections.FindAsync(db, workspaceId, collectionSlug, ct);
        var query = db.Records.AsNoTracking().Where(r => r.CollectionId == collectionId);
        if (!string.IsNullOrWhiteSpace(q.Search))
        {
            var pattern = SqlDialect.Containing(q.Search.Trim());
            // SQLite's LIKE ignores ASCII case; PostgreSQL's does not, so there the same search is ILIKE.
            query = db.Database.IsNpgsql()
                ? query.Where(r => EF.Functions.ILike(r.Data, pattern, "\\"))
                : query.Where(r => EF.Functions.Like(r.Data, pattern, "\\"));
        }
        var total = await query.CountAsync(ct);
        query = (q.Sort, q.Descending) switch
        {
            (RecordSort.Updated, true) => query.OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id),
            (RecordSort.Updated, false) => query.OrderBy(r => r.UpdatedAt).ThenBy(r => r.Id),
            // Creation time first: version-7 ids made within one millisecond are not in order.
            (_, true) => query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id),
            _ => query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id),
        };
        var rows = await query.Skip(Math.Max(0, q.Skip)).Take(Math.Clamp(q.Take, 1, Paging.MaxLimit)).ToListAsync(ct);
        return new RecordTablePage(rows.Select(r => View(r, collectionSlug)).ToList(), total);
    }

    public async Task<RecordView> GetAsync(Guid workspaceId, string collectionSlug, Guid id, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var collectionId = await collections.FindAsync(db, workspaceId, collectionSlug, ct);
        var record = await db.Records.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && r.CollectionId == collectionId, ct)
            ?? throw ServiceException.NotFound("Record");
        return View(record, collectionSlug);
    }

    /// <summary>Creates a record from <paramref name="json"/>, which must be a JSON object.</summary>
    public async Task<Creation<RecordView>> CreateAsync(Guid workspaceId, string workspaceSlug, string collectionSlug, string json,
        IdempotencyKey? key = null, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await idempotency.FindAsync(db, workspaceId, key, ct) is { } replay) return new(null, replay);
        var collectionId = await collections.FindAsync(db, workspaceId, collectionSlug, ct);
        var data = Serialize(RecordBody.ParseObject(json));

        var now = time.GetUtcNow().UtcDateTime;
        var record = new Record { WorkspaceId = workspaceId, CollectionId = collectionId, Data = data, CreatedAt = now, UpdatedAt = now };
        var view = View(record, collectionSlug);
        List<object> rows = [record, outbox.Pending(workspaceId, workspaceSlug, EventTypes.RecordCreated, collectionSlug, record.Id, data)];
        if (idempotency.Row(workspaceId, key, new StoredAnswer(StatusCodes.Status201Created,
                JsonSerializer.Serialize(new One<RecordView>(view), JsonSerializerOptions.Web), key is null ? null : $"{key.Path.TrimEnd('/')}/{record.Id}")) is { } answer)
            rows.Add(answer);
        try
        {
            await commits.CommitAsync(rows);
        }
        catch (DbUpdateException ex) when (Idempotency.IsDuplicateKey(ex, key))
        {
            // A concurrent repeat committed first: nothing of ours was written; answer what it answered.
            await using var fresh = await dbs.CreateDbContextAsync(ct);
            return new(null, await idempotency.FindAsync(fresh, workspaceId, key, ct));
        }
        telemetry.RecordWritten("create");
        return new(view, null);
    }

    /// <summary>PUT: the data becomes exactly <paramref name="json"/>.</summary>
    /// <param name="ifMatch">The version the caller last read (If-Match): a newer one answers 412 instead of overwriting it.</param>
    public Task<RecordView> ReplaceAsync(Guid workspaceId, string workspaceSlug, string collectionSlug, Guid id, string json, CancellationToken ct = default, int? ifMatch = null)
    {
        var replacement = RecordBody.ParseObject(json);
        return ChangeAsync(workspaceId, workspaceSlug, collectionSlug, id, _ => (JsonObject)replacement.DeepClone(), ifMatch, ct);
    }

    /// <summary>PATCH: an RFC 7396 merge patch; null removes a key, objects merge, anything else replaces.</summary>
    public Task<RecordView> PatchAsync(Guid workspaceId, string workspaceSlug, string collectionSlug, Guid id, string json, CancellationToken ct = default, int? ifMatch = null)
    {
        var patch = RecordBody.ParseObject(json);
        return ChangeAsync(workspaceId, workspaceSlug, collectionSlug, id, current => (JsonObject)MergePatch.Apply(current, patch)!, ifMatch, ct);
    }

    public async Task<RecordView> DeleteAsync(Guid workspaceId, string workspaceSlug, string collectionSlug, Guid id, CancellationToken ct = default, int? ifMatch = null)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var collectionId = await collections.FindAsync(db, workspaceId, collectionSlug, ct);
        var record = await db.Records.FirstOrDefaultAsync(r => r.Id == id && r.CollectionId == collectionId, ct)
            ?? throw ServiceException.NotFound("Record");
        if (ifMatch is { } expected && record.Version != expected) throw Stale(record.Version);
        db.Records.Remove(record);
        // A delete's event carries the record as it was, so receivers can act on what disappeared.
        outbox.Add(db, workspaceId, workspaceSlug, EventTypes.RecordDeleted, collectionSlug, record.Id, record.Data);
        try { await outbox.SaveAsync(db, ct); }
        catch (DbUpdateConcurrencyException) when (ifMatch is not null) { throw Stale(null); }
        catch (DbUpdateConcurrencyException) { throw ServiceException.Conflict("The record changed while it was being deleted; read it again and retry."); }
        telemetry.RecordWritten("delete");
        return View(record, collectionSlug);
    }

    /// <summary>How often a change without If-Match is re-applied to a record that another writer changed meanwhile.</summary>
    const int ChangeAttempts = 8;

    /// <summary>
    /// Read, change, write with the version as the check: if another writer got in between, the change is applied again
    /// to what they wrote (so two concurrent merge patches both land), or — with If-Match — answered 412.
    /// </summary>
    async Task<RecordView> ChangeAsync(Guid workspaceId, string workspaceSlug, string collectionSlug, Guid id,
        Func<JsonObject, JsonObject> change, int? ifMatch, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var collectionId = await collections.FindAsync(db, workspaceId, collectionSlug, ct);
            var record = await db.Records.FirstOrDefaultAsync(r => r.Id == id && r.CollectionId == collectionId, ct)
                ?? throw ServiceException.NotFound("Record");
            if (ifMatch is { } expected && record.Version != expected) throw Stale(record.Version);
            var current = (JsonObject)JsonNode.Parse(record.Data)!;
            record.Data = Serialize(change(current));
            record.UpdatedAt = time.GetUtcNow().UtcDateTime;
            record.Version++;
            outbox.Add(db, workspaceId, workspaceSlug, EventTypes.RecordUpdated, collectionSlug, record.Id, record.Data);
            try
            {
                await outbox.SaveAsync(db, ct);
            }
            catch (DbUpdateConcurrencyException) when (ifMatch is not null)
            {
                throw Stale(null);
            }
            catch (DbUpdateConcurrencyException) when (attempt < ChangeAttempts)
            {
                continue;
            }
            catch (DbUpdateConcurrencyException)
            {
                throw ServiceException.Conflict("The record is being changed by others right now; read it again and retry.");
            }
            telemetry.RecordWritten("update");
            return View(record, collectionSlug);
        }
    }

    static ServiceException Stale(int? current) => new(StatusCodes.Status412PreconditionFailed,
        "The record has changed since you read it.",
        new Dictionary<string, string[]> { ["If-Match"] = [current is { } v ? $"The record is now at version \"{v}\"; read it again and reapply your change." : "Read the record again and reapply your change."] });

    static string Serialize(JsonObject data) => data.ToJsonString();

    static RecordView View(Record r, string collectionSlug)
    {
        using var doc = JsonDocument.Parse(r.Data);
        return new RecordView(r.Id, collectionSlug, doc.RootElement.Clone(), r.CreatedAt, r.UpdatedAt, r.Version);
    }
}

/// <summary>RFC 7396 JSON merge patch.</summary>
public static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null) { result.Remove(key); continue; }
            if (value is JsonObject && result[key] is JsonObject existing)
            {
                // Merge in place: the existing node already belongs to result.
                Apply(existing, value);
                continue;
            }
            result[key] = Apply(null, value);
        }
        return result;
    }
}
