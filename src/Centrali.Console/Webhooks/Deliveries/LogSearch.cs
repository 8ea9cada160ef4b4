using System.Globalization;
using Centrali.Console.Data;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>
/// The log's free-text search. A full id finds the delivery, event or record it names; the 8-digit short id the console
/// shows finds them by their tail; a three-digit number is also a status code; any text of three characters or more is
/// looked for in the payloads. On SQLite payloads are indexed by a trigram full-text table (EventText: filled when an event
/// is fanned out, emptied by a trigger when it is deleted); on PostgreSQL it is a case-insensitive scan of the workspace's
/// events. A search that names few deliveries (an id, text in a few payloads) is resolved to their ids first, each step an
/// index lookup (text → events → deliveries by EventId), so the list, its total and its order then touch only those rows
/// however long the log.
/// </summary>
public static class LogSearch
{
    public const int MinTextLength = 3;
    /// <summary>Up to this many events or deliveries a search is resolved to ids first; beyond, it stays a subquery (its matches are dense, so a page fills fast).</summary>
    const int MaxResolved = 2_000;

    public static async Task<IQueryable<Delivery>> MatchingAsync(AppDbContext db, Guid workspaceId, IQueryable<Delivery> deliveries, string text,
        CancellationToken ct)
    {
        if (Guid.TryParse(text, out var id))
        {
            // The id as a delivery's, an event's, or a record's (through its events, which the index by record finds).
            var named = await db.Events.Where(e => e.WorkspaceId == workspaceId && e.RecordId == id).Select(e => e.Id).Take(MaxResolved).ToListAsync(ct);
            named.Add(id);
            var ids = await db.Deliveries.Where(d => d.Id == id).Select(d => d.Id)
                .Concat(db.Deliveries.Where(d => named.Contains(d.EventId)).Select(d => d.Id))
                .Take(MaxResolved + 1).ToListAsync(ct);
            return ids.Count <= MaxResolved
                ? deliveries.Where(d => ids.Contains(d.Id))
                : deliveries.Where(d => d.Id == id || d.EventId == id || d.RecordId == id);
        }
        var postgres = db.Database.IsNpgsql();
        var isShortId = text.Length == 8 && text.All(char.IsAsciiHexDigit);
        var code = text.Length == 3 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c is >= 100 and <= 599 ? c : (int?)null;
        var inPayload = text.Length >= MinTextLength;
        if (!isShortId && code is null && !inPayload) return deliveries.Where(d => false);

        var events = inPayload ? EventsWithText(db, text, postgres) : db.Events.Where(e => false).Select(e => e.Id);
        if (isShortId)
        {
            var tail = "%" + text.ToLowerInvariant();
            var byTail = postgres
                ? db.Database.SqlQuery<Guid>($"""SELECT "Id" AS "Value" FROM "Deliveries" WHERE "Id"::text LIKE {tail} OR "EventId"::text LIKE {tail} OR "RecordId"::text LIKE {tail}""")
                // SQLite keeps ids as upper-case text; its LIKE ignores ASCII case.
                : db.Database.SqlQuery<Guid>($"SELECT Id AS Value FROM Deliveries WHERE Id LIKE {tail} OR EventId LIKE {tail} OR RecordId LIKE {tail}");
            return deliveries.Where(d => byTail.Contains(d.Id) || events.Contains(d.EventId));
        }
        if (code is { } status) return deliveries.Where(d => d.LastStatusCode == status || events.Contains(d.EventId));

        var found = await events.Take(MaxResolved + 1).ToListAsync(ct);
        if (found.Count > MaxResolved) return deliveries.Where(d => events.Contains(d.EventId));
        var matched = await db.Deliveries.Where(d => found.Contains(d.EventId)).Select(d => d.Id).Take(MaxResolved + 1).ToListAsync(ct);
        return matched.Count <= MaxResolved ? deliveries.Where(d => matched.Contains(d.Id)) : deliveries.Where(d => found.Contains(d.EventId));
    }

    static IQueryable<Guid> EventsWithText(AppDbContext db, string text, bool postgres)
    {
        if (postgres)
        {
            var pattern = "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            return db.Database.SqlQuery<Guid>($"""SELECT "Id" AS "Value" FROM "Events" WHERE convert_from("Body", 'UTF8') ILIKE {pattern}""");
        }
        // One FTS5 phrase: the trigram tokenizer makes it a case-insensitive substring match.
        var phrase = "\"" + text.Replace("\"", "\"\"") + "\"";
        return db.Database.SqlQuery<Guid>($"SELECT k.EventId AS Value FROM EventSearchKeys AS k WHERE k.Key IN (SELECT rowid FROM EventText WHERE EventText MATCH {phrase})");
    }
}
