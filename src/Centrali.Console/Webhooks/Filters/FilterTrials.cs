using Centrali.Console.Records;
using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Webhooks.Filters;

/// <summary>The answer of "try it": whether the filter matched, or why it could not be tried; the body it was tried on.</summary>
public sealed record FilterTrial(bool Matched, string? Problem, Guid? RecordId, string? Body);

/// <summary>The console's "try it" for a subscription filter, on the latest record of a collection.</summary>
public sealed class FilterTrials(RecordService records, TimeProvider time)
{
    /// <summary>
    /// Builds the event body (in the subscription's format) a change of the collection's most recently updated record would send,
    /// and evaluates <paramref name="filter"/> against it exactly as fan-out does.
    /// </summary>
    public async Task<FilterTrial> TryAsync(Guid workspaceId, string workspaceSlug, string? filter, string collectionSlug,
        string eventType = EventTypes.RecordUpdated, CancellationToken ct = default, string payloadFormat = PayloadFormats.V2)
    {
        if (SubscriptionFilter.Problem(filter) is { } problem) return new FilterTrial(false, problem, null, null);
        var latest = (await records.QueryAsync(workspaceId, collectionSlug, new RecordQuery(0, 1, RecordSort.Updated), ct)).Items.FirstOrDefault();
        if (latest is null) return new FilterTrial(false, $"The collection '{collectionSlug}' has no records yet.", null, null);
        var (data, now) = (latest.Data.GetRawText(), time.GetUtcNow().UtcDateTime);
        var body = payloadFormat == PayloadFormats.V1 ? EventOutbox.LegacyBody(eventType, workspaceSlug, collectionSlug, latest.Id, data, now)
            : EventOutbox.Body(eventType, workspaceSlug, collectionSlug, latest.Id, data, now);
        var matched = string.IsNullOrWhiteSpace(filter) || SubscriptionFilter.Compile(filter).Matches(body);
        return new FilterTrial(matched, null, latest.Id, Encoding.UTF8.GetString(body));
    }
}
