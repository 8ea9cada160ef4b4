using Centrali.Console.Audit;
using Centrali.Console.Records;
using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Collections;

public sealed record CollectionView(Guid Id, string Slug, string Name, string? Description, int RecordCount, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>The body of create and update: <c>{name, slug, description?}</c>.</summary>
public sealed record CollectionInput(string? Name, string? Slug, string? Description);

public sealed class CollectionService(IDbContextFactory<AppDbContext> dbs, TimeProvider time, EventOutbox outbox, Idempotency idempotency, AuditLog audit, CollectionIds ids)
{
    public const int MaxNameLength = 200;
    public const int MaxDescriptionLength = 2000;

    /// <summary>One keyset page, in creation order.</summary>
    public async Task<Page<CollectionView>> ListAsync(Guid workspaceId, int? limit = null, string? cursor = null, CancellationToken ct = default)
    {
        var take = Paging.Limit(limit);
        var after = Paging.Cursor(cursor);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.Collections.Where(c => c.WorkspaceId == workspaceId);
        if (after is { } a) query = query.Where(c => c.Id.CompareTo(a) > 0);
        var rows = await Views(db, query.OrderBy(c => c.Id).Take(take + 1)).ToListAsync(ct);
        return Paging.ToPage(rows, take, c => c.Id, c => c);
    }

    /// <summary>Every collection of the workspace, for the console's table.</summary>
    public async Task<List<CollectionView>> ListAllAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await Views(db, db.Collections.Where(c => c.WorkspaceId == workspaceId).OrderBy(c => c.Name)).ToListAsync(ct);
    }

    public async Task<CollectionView> GetAsync(Guid workspaceId, string slug, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await Views(db, db.Collections.Where(c => c.WorkspaceId == workspaceId && c.Slug == slug)).FirstOrDefaultAsync(ct)
            ?? throw ServiceException.NotFound("Collection");
    }

    /// <summary>The collection's row, for a feature that stores things in it; another workspace's answers 404.</summary>
    public static async Task<Collection> FindAsync(AppDbContext db, Guid workspaceId, string slug, CancellationToken ct = default) =>
        await db.Collections.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Slug == slug, ct)
            ?? throw ServiceException.NotFound("Collection");

    public async Task<Creation<CollectionView>> CreateAsync(Guid workspaceId, CollectionInput input, IdempotencyKey? key = null, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        if (await idempotency.FindAsync(db, workspaceId, key, ct) is { } replay) return new(null, replay);

        var slug = input.Slug?.Trim() ?? "";
        var (name, description) = Check(input, slug);
        if (await db.Collections.AnyAsync(c => c.WorkspaceId == workspaceId && c.Slug == slug, ct))
            throw ServiceException.Conflict($"A collection '{slug}' already exists in this workspace.");

        var now = time.GetUtcNow().UtcDateTime;
        var collection = new Collection { WorkspaceId = workspaceId, Slug = slug, Name = name, Description = description, CreatedAt = now, UpdatedAt = now };
        db.Collections.Add(collection);
        var view = View(collection, 0);
        idempotency.Add(db, workspaceId, key, new StoredAnswer(StatusCodes.Status201Created,
            JsonSerializer.Serialize(new One<CollectionView>(view), JsonSerializerOptions.Web), Location(key, slug)));
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (Idempotency.IsDuplicateKey(e, key))
        {
            // A concurrent repeat committed first: answer what it answered.
            await using var fresh = await dbs.CreateDbContextAsync(ct);
            return new(null, await idempotency.FindAsync(fresh, workspaceId, key, ct));
        }
        catch (DbUpdateException)
        {
            throw ServiceException.Conflict($"A collection '{slug}' already exists in this workspace.");
        }
        return new(view, null);
    }

    /// <summary>Changes the name and description; the slug is the collection's address in events and filters, so it stays.</summary>
    public async Task<CollectionView> UpdateAsync(Guid workspaceId, string slug, CollectionInput input, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var collection = await FindAsync(db, workspaceId, slug, ct);
        if (input.Slug is { } newSlug && newSlug.Trim() != slug)
            throw ServiceException.Invalid("slug", "A collection's slug cannot change; create a new collection instead.");
        var (name, description) = Check(input, slug);
        collection.Name = name;
        collection.Description = description;
        collection.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return View(collection, await db.Records.CountAsync(r => r.CollectionId == collection.Id, ct));
    }

    /// <summary>How many records a forced delete removes per transaction: each batch holds the writer for milliseconds, not seconds.</summary>
    public const int DeleteBatchSize = 500;

    /// <summary>
    /// Deletes the collection; with records it needs <paramref name="force"/>, and then each record's deletion is an event.
    /// A forced delete goes in batches, each committed with its events (so nothing is lost if it stops halfway), then the collection.
    /// </summary>
    public async Task DeleteAsync(Guid workspaceId, string workspaceSlug, string slug, bool force, CancellationToken ct = default)
    {
        var deletedRecords = 0;
        while (true)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            // Committed by the outbox's SaveAsync below, together with the batch's events.
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var collection = await FindAsync(db, workspaceId, slug, ct);
            var records = await db.Records.Where(r => r.CollectionId == collection.Id).OrderBy(r => r.Id).Take(DeleteBatchSize).ToListAsync(ct);
            if (records.Count > 0 && !force)
            {
                var count = await db.Records.CountAsync(r => r.CollectionId == collection.Id, ct);
                throw ServiceException.Conflict($"The collection '{slug}' has {(count == 1 ? "1 record" : $"{count} records")}; delete with force=true to delete them too.");
            }
            foreach (var record in records)
                outbox.Add(db, workspaceId, workspaceSlug, EventTypes.RecordDeleted, slug, record.Id, record.Data);
            db.Records.RemoveRange(records);
            // The last (or only) batch removes the collection in the same transaction as its last records.
            var last = records.Count < DeleteBatchSize;
            if (last) db.Collections.Remove(collection);
            await outbox.SaveAsync(db, ct);
            deletedRecords += records.Count;
            if (last)
            {
                ids.Forget(workspaceId, slug);
                break;
            }
        }
        await audit.RecordAsync(workspaceId, AuditActions.CollectionDeleted, slug, new { records = deletedRecords }, ct);
    }

    static (string Name, string? Description) Check(CollectionInput input, string slug)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Slugs.IsValid(slug)) errors["slug"] = [$"'{slug}' is not a valid slug: {Slugs.Rule}."];
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength) errors["name"] = [$"A collection needs a name of 1 to {MaxNameLength} characters."];
        var description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim();
        if (description?.Length > MaxDescriptionLength) errors["description"] = [$"A description is at most {MaxDescriptionLength} characters."];
        if (errors.Count > 0) throw ServiceException.Invalid(errors);
        return (name, description);
    }

    static string? Location(IdempotencyKey? key, string slug) =>
        key is null ? null : $"{key.Path.TrimEnd('/')}/{slug}";

    static IQueryable<CollectionView> Views(AppDbContext db, IQueryable<Collection> query) =>
        query.Select(c => new CollectionView(c.Id, c.Slug, c.Name, c.Description,
            db.Records.Count(r => r.CollectionId == c.Id), c.CreatedAt, c.UpdatedAt));

    static CollectionView View(Collection c, int count) => new(c.Id, c.Slug, c.Name, c.Description, count, c.CreatedAt, c.UpdatedAt);
}
