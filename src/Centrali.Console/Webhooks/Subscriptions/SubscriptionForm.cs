namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>The editable fields of the console's subscription form; the service does all the checking.</summary>
public sealed class SubscriptionForm
{
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public HashSet<string> Events { get; set; } = [.. Delivery.EventTypes.Subscribable];
    /// <summary>Comma-separated slugs, as typed.</summary>
    public string RecordSlugs { get; set; } = "";
    public string SignatureHeader { get; set; } = SubscriptionService.DefaultSignatureHeader;
    public string Algorithm { get; set; } = SubscriptionService.Algorithms[0];
    public string Encoding { get; set; } = SubscriptionService.Encodings[0];
    public string SignaturePrefix { get; set; } = "";
    public string PayloadFormat { get; set; } = Delivery.PayloadFormats.V2;
    /// <summary>The filter as typed; empty means every event.</summary>
    public string Filter { get; set; } = "";
    /// <summary>Retry delays as typed, comma-separated ("00:00:30, 00:05:00"); empty follows the configured ones, "none" never retries.</summary>
    public string RetryDelays { get; set; } = "";
    /// <summary>Attempt timeout in seconds; empty follows the configured one.</summary>
    public int? Timeout { get; set; }

    public const string NoRetries = "none";

    public static SubscriptionForm From(SubscriptionView s) => new()
    {
        Name = s.Name,
        Url = s.Url,
        Events = [.. s.Events],
        RecordSlugs = string.Join(", ", s.RecordSlugs),
        SignatureHeader = s.SignatureHeader,
        Algorithm = s.Algorithm,
        Encoding = s.Encoding,
        SignaturePrefix = s.SignaturePrefix,
        PayloadFormat = s.PayloadFormat,
        Filter = s.Filter ?? "",
        RetryDelays = s.RetryDelays is null ? "" : s.RetryDelays.Count == 0 ? NoRetries : string.Join(", ", s.RetryDelays),
        Timeout = s.Timeout,
    };

    public SubscriptionInput ToInput() => new()
    {
        Name = Name ?? "",
        Url = Url ?? "",
        Events = [.. Delivery.EventTypes.Subscribable.Where(Events.Contains)],
        RecordSlugs = (RecordSlugs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        SignatureHeader = SignatureHeader ?? "",
        Algorithm = Algorithm,
        Encoding = Encoding,
        SignaturePrefix = SignaturePrefix ?? "",
        PayloadFormat = PayloadFormat,
        Filter = Filter ?? "",
        RetryDelays = string.IsNullOrWhiteSpace(RetryDelays) ? null
            : RetryDelays.Trim().Equals(NoRetries, StringComparison.OrdinalIgnoreCase) ? []
            : RetryDelays.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Timeout = Timeout,
    };
}
