namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>
/// The log's free-text search. A full id finds the delivery, event or record it names. What names one thing exactly is
/// looked up as that first: the 8-digit short id the console shows (by the indexed tails, see <see cref="ShortIds"/>) and a
/// three-digit number that is some delivery's last status code; only when nothing has that short id or status code is it
/// looked for in the payloads, like any other text of three characters or more. On SQLite payloads are indexed by a trigram
/// full-text table in a file of its own (filled in the background, see <see cref="PayloadIndex"/>); on PostgreSQL it is a
/// case-insensitive scan of the workspace's events. A search that names few deliveries (an id, text in a few payloads) is
/// resolved to their ids first, each step an index lookup (text → events → deliveries by EventId), so the list, its total
/// and its order then touch only those rows however long the log.
/// </summary>
public static class LogSearch
{
    public const int MinTextLength = 3;
    /// <summary>Up to this many events or deliveries a search is resolved to ids first; beyond, it stays a subquery (its matches are dense, so a page fills fast).</summary>
    const int MaxResolved = 2_000;
    /// <summary>SQLite: a payload text is looked for in at most this many events, the newest (the total counts up to this many too).</summary>
    const int MaxEvents = 10_000;

    public static async Task<IQueryable<Delivery>> MatchingAsync(AppDbContext db, PayloadIndex payloads, Guid workspaceId, IQueryable<Delivery> deliveries,
        string text, CancellationToken ct)
    {
        if (Guid.TryParse(text, out var id))
        {
            // The id as a delivery's, an event's, or a record's (through its events, which the index by record finds).
            var ofRecord = db.Events.Where(e => e.WorkspaceId == workspaceId && e.RecordId == id).Select(e => e.Id);
            return await AmongAsync(deliveries, db.Deliveries.Where(d => d.Id == id).Select(d => d.Id)
                .Concat(db.Deliveries.Where(d => d.EventId == id).Select(d => d.Id))
                .Concat(db.Deliveries.Where(d => ofRecord.Contains(d.EventId)).Select(d => d.Id)), ct);
        }
        if (ShortIds.IsShortId(text))
        {
            var tail = text.ToLowerInvariant();
            // Each lookup by one index of its own (any workspace: a tail is nearly unique), then kept to this workspace.
            var events = db.Events.WithShortId(ShortIds.Column, tail).Select(e => e.Id)
                .Concat(db.Events.WithShortId(ShortIds.RecordColumn, tail).Select(e => e.Id));
            var byTail = db.Deliveries.WithShortId(ShortIds.Column, tail).Select(d => d.Id)
                .Concat(db.Deliveries.Where(d => events.Contains(d.EventId)).Select(d => d.Id));
            var found = await deliveries.Where(d => byTail.Contains(d.Id)).OrderByDescending(d => d.Id).Select(d => d.Id).Take(MaxResolved + 1).ToListAsync(ct);
            if (found.Count > MaxResolved) return deliveries.Where(d => byTail.Contains(d.Id));
            if (found.Count > 0) return deliveries.Where(d => found.Contains(d.Id));
        }
        else if (text.Length == 3 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 599
                 && await db.Deliveries.AnyAsync(d => d.WorkspaceId == workspaceId && d.LastStatusCode == code, ct))
            return deliveries.Where(d => d.LastStatusCode == code);
        if (text.Length < MinTextLength) return deliveries.Where(d => false);

        if (!db.Database.IsNpgsql())
        {
            // Event ids from the search file: as a list (one JSON parameter) however many.
            var events = await payloads.MatchingAsync(db, workspaceId, text, MaxEvents, ct);
            return await AmongAsync(deliveries, db.Deliveries.Where(d => events.Contains(d.EventId)).Select(d => d.Id), ct);
        }
        var withText = EventsWithText(db, text);
        var matches = await withText.Take(MaxResolved + 1).ToListAsync(ct);
        if (matches.Count > MaxResolved) return deliveries.Where(d => withText.Contains(d.EventId));
        return await AmongAsync(deliveries, db.Deliveries.Where(d => matches.Contains(d.EventId)).Select(d => d.Id), ct);
    }

    /// <summary>The deliveries among <paramref name="ids"/>: as a list of ids when there are few, else as a subquery.</summary>
    static async Task<IQueryable<Delivery>> AmongAsync(IQueryable<Delivery> deliveries, IQueryable<Guid> ids, CancellationToken ct)
    {
        var found = await ids.Take(MaxResolved + 1).ToListAsync(ct);
        return found.Count <= MaxResolved ? deliveries.Where(d => found.Contains(d.Id)) : deliveries.Where(d => ids.Contains(d.Id));
    }

    /// <summary>PostgreSQL: the events whose body contains <paramref name="text"/>, case-insensitive.</summary>
    static IQueryable<Guid> EventsWithText(AppDbContext db, string text)
    {
        var pattern = SqlDialect.Containing(text);
        return db.Database.SqlQuery<Guid>($"""SELECT "Id" AS "Value" FROM "Events" WHERE convert_from("Body", 'UTF8') ILIKE {pattern}""");
    }
}
