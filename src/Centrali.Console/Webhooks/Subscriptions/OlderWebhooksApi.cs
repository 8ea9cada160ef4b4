using Centrali.Console.Api;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Secrets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>
/// The older webhooks guide's routes, <c>/workspace/{workspace}/api/v1/webhooks…</c>, as aliases over the same subscriptions,
/// services and tokens, so that clients written from that guide run unchanged. They read its request shapes (<c>filters.structure</c>,
/// <c>enabled</c>, <c>PATCH {"secret"}</c>) and create subscriptions with its defaults: the v1 body and
/// <c>X-Centrali-Signature: sha256=&lt;hex&gt;</c>.
/// </summary>
public static class OlderWebhooksApi
{
    public const string Tag = "Webhooks (older form)";
    public const string LegacyHeader = "X-Centrali-Signature";

    const string Older = "The older webhooks guide's form of this call (base `/workspace/{workspace}/api/v1`, no `/data`), kept so that code written from that guide runs unchanged; it acts on the same subscriptions as `/data/workspace/{workspace}/api/v1/webhook-subscriptions`, with the same tokens and answers. ";

    const string Example = """{"data":{"id":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","name":"Order Notifications","url":"https://your-app.com/webhooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"status":"active","signatureHeader":"X-Centrali-Signature","algorithm":"sha256","encoding":"hex","signaturePrefix":"sha256=","secretHint":"…et","previousSecretExpiresAt":null,"filter":null,"circuit":"closed","circuitOpenUntil":null,"createdAt":"2026-12-01T09:30:00Z","updatedAt":"2026-12-01T09:30:00Z","payloadFormat":"v1"}}""";

    const string ListExample = """{"data":[{"id":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","name":"Order Notifications","url":"https://your-app.com/webhooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"status":"active","signatureHeader":"X-Centrali-Signature","algorithm":"sha256","encoding":"hex","signaturePrefix":"sha256=","secretHint":"…et","previousSecretExpiresAt":null,"filter":null,"circuit":"closed","circuitOpenUntil":null,"createdAt":"2026-12-01T09:30:00Z","updatedAt":"2026-12-01T09:30:00Z","payloadFormat":"v1"}],"nextCursor":null}""";

    const string DeliveryExample = """{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"failed","attemptCount":5,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":401,"lastError":"HTTP 401 Unauthorized","replayedFrom":null,"payload":{"event":"record.created","workspace":"my-workspace","timestamp":"2026-12-01T09:40:00Z","data":{"structure":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","record":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","customer":"John Doe","total":99.99,"status":"pending"}}},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z","waitingOnCircuit":false,"payloadFormat":"v1"}""";

    public static RouteGroupBuilder MapOlderWebhooksApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/webhooks").WithTags(Tag);

        group.MapGet("", async (HttpContext http, SubscriptionService subscriptions, int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await subscriptions.ListAsync(http.WorkspaceId(), limit, cursor, ct)))
            .Doc("List webhooks (older form)", Older + "The workspace's subscriptions, newest first, a page at a time.", errors: [400], response: ListExample);

        group.MapPost("", async Task<Results<Created<One<SubscriptionView>>, StoredAnswerResult>> (
            HttpContext http, SubscriptionService subscriptions, OlderWebhookInput body, CancellationToken ct) =>
        {
            var created = await subscriptions.CreateAsync(http.WorkspaceId(), body.ToCreate(), IdempotencyKey.From(http.Request), ct);
            if (created.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Id}", new One<SubscriptionView>(created.Value));
        }).Doc("Create a webhook (older form)", Older + """
            `events` takes the dotted names (`record.created`, `record.updated`, `record.deleted`), `filters.structure` a collection
            slug (or a list of them), `enabled` true or false, `secret` a secret of your own (`whsec_` + base64 of 24 to 64 bytes,
            or 16 to 128 printable characters; generated when left out). Unlike the newer route, the defaults are the older guide's:
            `payloadFormat` `v1`, the signature `X-Centrali-Signature: sha256=<hex of HMAC-SHA256>` and `retryDelays` 1 s, 5 s, 15 s
            (three retries); those newer fields (`payloadFormat`, `signatureHeader`, `algorithm`, `encoding`, `signaturePrefix`,
            `retryDelays`) may be given too. The secret is
            answered once, in `data.secret`.
            """, errors: [400],
            request: """{"name":"Order Notifications","url":"https://your-app.com/webhooks/centrali","events":["record.created","record.updated"],"filters":{"structure":"orders"}}""",
            response: Example);

        group.MapGet("/{id:guid}", async (HttpContext http, SubscriptionService subscriptions, Guid id, CancellationToken ct) =>
            TypedResults.Ok(new One<SubscriptionView>(await subscriptions.GetAsync(http.WorkspaceId(), id, ct))))
            .Doc("Read a webhook (older form)", Older + "One subscription; the secret is never in a read.", response: Example);

        group.MapPatch("/{id:guid}", async (HttpContext http, SubscriptionService subscriptions, Guid id, OlderWebhookInput body, CancellationToken ct) =>
        {
            var workspace = http.WorkspaceId();
            // The secret is checked before anything changes: a bad one leaves the subscription as it was.
            if (body.Secret is { } own && SubscriptionSecrets.Check(own) is { } problem) throw ServiceException.Invalid("secret", problem);
            SubscriptionView? view = null;
            if (body.ToPatch() is { } patch) view = await subscriptions.PatchAsync(workspace, id, patch, ct);
            if (body.Secret is { } secret) view = (await subscriptions.RotateSecretAsync(workspace, id, TimeSpan.Zero, null, ct, own: secret)).Value!;
            return TypedResults.Ok(new One<SubscriptionView>(view ?? await subscriptions.GetAsync(workspace, id, ct)));
        }).Doc("Change a webhook (older form)", Older + """
            Changes the fields the body carries: `name`, `url`, `events`, `filters.structure`, `enabled`, and the newer fields.
            `{"secret": "…"}` sets a secret of your own (as rotate-secret does, without an overlap); that answer carries it once, in `data.secret`.
            """, errors: [400], request: """{"url":"https://new-endpoint.com/webhooks","enabled":true}""", response: Example);

        group.MapDelete("/{id:guid}", async Task<NoContent> (HttpContext http, SubscriptionService subscriptions, Guid id, CancellationToken ct) =>
        {
            await subscriptions.DeleteAsync(http.WorkspaceId(), id, ct);
            return TypedResults.NoContent();
        }).Doc("Delete a webhook (older form)", Older + "Deletes the subscription; its delivery log stays readable. Answers 204.");

        group.MapPost("/{id:guid}/test", async (HttpContext http, DeliveryService deliveries, Guid id) =>
        {
            var test = await deliveries.SendTestAsync(http.WorkspaceId(), http.WorkspaceSlug(), id, http.RequestAborted);
            return TypedResults.Accepted($"{http.Request.PathBase}/data/workspace/{http.WorkspaceSlug()}/api/v1/webhook-subscriptions/deliveries/{test.Id}",
                new One<DeliveryView>(test));
        }).Doc("Send a test event (older form)", Older + "One test delivery in the subscription's payload format (`webhook.test` in v1), whatever its events. Answers 202 with the delivery.",
                response: "{\"data\":" + DeliveryExample.Replace("\"failed\",\"attemptCount\":5", "\"pending\",\"attemptCount\":0").Replace("record.created", "webhook.test") + "}");

        group.MapGet("/{id:guid}/failures", async (HttpContext http, DeliveryService deliveries, Guid id, int? limit, string? cursor) =>
            TypedResults.Ok(await deliveries.FailuresAsync(http.WorkspaceId(), id, limit, cursor, http.RequestAborted)))
            .Doc("List a webhook's failed deliveries (older form)", Older + "Its failed deliveries, newest first, a page at a time.", errors: [400],
                response: "{\"data\":[" + DeliveryExample + "],\"nextCursor\":null}");

        return group;
    }
}

/// <summary>The body of the older guide's create and update: its field names, plus the newer fields so that nothing is out of reach.</summary>
public sealed record OlderWebhookInput
{
    public string? Name { get; init; }
    public string? Url { get; init; }
    public IReadOnlyList<string>? Events { get; init; }
    /// <summary><c>{"structure": "orders"}</c> (or a list of slugs): the collection filter.</summary>
    public Dictionary<string, JsonElement>? Filters { get; init; }
    public bool? Enabled { get; init; }
    public string? Secret { get; init; }
    public string? PayloadFormat { get; init; }
    public string? SignatureHeader { get; init; }
    public string? Algorithm { get; init; }
    public string? Encoding { get; init; }
    public string? SignaturePrefix { get; init; }
    /// <summary>Own retry delays, as on the newer route; a create that leaves them out gets the older guide's 1 s, 5 s, 15 s.</summary>
    public IReadOnlyList<string?>? RetryDelays { get; init; }

    /// <summary>The older guide's retries: "up to 3 times, exponential backoff: 1s, 5s, 15s".</summary>
    public static readonly string[] LegacyRetryDelays = ["00:00:01", "00:00:05", "00:00:15"];

    /// <summary>A create with the older guide's defaults where the body is silent.</summary>
    public SubscriptionInput ToCreate() => Common() with
    {
        RetryDelays = RetryDelays ?? LegacyRetryDelays,
        Secret = Secret,
        PayloadFormat = PayloadFormat ?? PayloadFormats.V1,
        SignatureHeader = SignatureHeader ?? OlderWebhooksApi.LegacyHeader,
        Algorithm = Algorithm ?? "sha256",
        Encoding = Encoding ?? "hex",
        SignaturePrefix = SignaturePrefix ?? "sha256=",
    };

    /// <summary>The patch of the fields the body carries besides the secret, or null when it carries none.</summary>
    public SubscriptionInput? ToPatch()
    {
        var patch = Common() with
        {
            PayloadFormat = PayloadFormat, SignatureHeader = SignatureHeader, Algorithm = Algorithm, Encoding = Encoding, SignaturePrefix = SignaturePrefix,
        };
        if (RetryDelays is not null) patch = patch with { RetryDelays = RetryDelays };
        return patch == new SubscriptionInput() ? null : patch;
    }

    SubscriptionInput Common() => new()
    {
        Name = Name,
        Url = Url,
        Events = Events,
        CollectionSlugs = Structures(),
        Status = Enabled switch { true => SubscriptionStatus.Active, false => SubscriptionStatus.Inactive, null => null },
    };

    /// <summary>The collection slugs of <c>filters.structure</c>; other filters are refused by name rather than ignored.</summary>
    List<string>? Structures()
    {
        if (Filters is null) return null;
        foreach (var key in Filters.Keys.Where(k => k != "structure"))
            throw ServiceException.Invalid($"filters.{key}", $"filters.{key} is not supported: filters takes structure (a collection slug); an expression over the body goes in filter, on the newer route.");
        if (!Filters.TryGetValue("structure", out var structure) || structure.ValueKind == JsonValueKind.Null) return [];
        if (structure.ValueKind == JsonValueKind.String) return [structure.GetString()!];
        if (structure.ValueKind == JsonValueKind.Array && structure.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
            return [.. structure.EnumerateArray().Select(e => e.GetString()!)];
        throw ServiceException.Invalid("filters.structure", "filters.structure is a collection slug such as \"orders\", or a list of them.");
    }
}
