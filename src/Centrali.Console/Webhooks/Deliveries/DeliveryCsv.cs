namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>One delivery as a CSV line (RFC 4180 quoting); the payload stays out, the NDJSON export carries it.</summary>
public static class DeliveryCsv
{
    public const string Header = "id,subscriptionId,eventId,event,recordSlug,recordId,status,attemptCount,maxAttempts,lastStatusCode,durationMs,lastError,replayedFrom,createdAt,completedAt";

    public static string Row(DeliveryView d) => string.Join(',',
        d.Id, d.SubscriptionId, d.EventId, d.Event, Quote(d.CollectionSlug), d.RecordId, d.Status, d.AttemptCount, d.MaxAttempts,
        d.LastStatusCode, d.DurationMs, Quote(d.LastError), d.ReplayedFrom, Time(d.CreatedAt), Time(d.CompletedAt));

    static string Time(DateTime? t) => t?.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture) ?? "";

    // A leading = + - @ would run as a formula in a spreadsheet: prefix it with a quote mark.
    static string Quote(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
