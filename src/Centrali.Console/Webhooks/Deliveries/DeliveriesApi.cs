using Centrali.Console.Api;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Centrali.Console.Webhooks.Deliveries;

public sealed record RecoverRequest(DateTime? Since, DateTime? Until);

public sealed record CancelRequest(string? Reason);

/// <summary>A bulk action on the listed ids, or on every delivery the filter selects (the list's query parameters as an object).</summary>
public sealed record BulkRequest(string? Action, List<Guid>? Ids, DeliveryQuery? Filter);

/// <summary>
/// The log's filters as query parameters, shared by the list, the export and bulk actions (there as a JSON object);
/// the collection's slug keeps its names on the wire: query <c>RecordSlug</c> (any case), JSON <c>recordSlug</c>.
/// </summary>
public sealed record DeliveryQuery(Guid? SubscriptionId, string? Status, string? Event,
    [FromQuery(Name = "RecordSlug")][property: JsonPropertyName("recordSlug")] string? CollectionSlug, DateTime? Since, DateTime? Until,
    string? Q, int? StatusCode, int? MinDurationMs, int? MaxDurationMs)
{
    public DeliveryFilter ToFilter() => new(SubscriptionId, Status, Event, CollectionSlug, Since, Until, Q, StatusCode, MinDurationMs, MaxDurationMs);
}

public static class DeliveriesApi
{
    public static IServiceCollection AddDeliveries(this IServiceCollection services)
    {
        services.AddSingleton<DeliveryStarter>();
        services.AddScoped<DeliveryService>();
        services.AddSingleton<PayloadIndex>();
        services.AddHostedService(sp => sp.GetRequiredService<PayloadIndex>());
        return services;
    }

    public static RouteGroupBuilder MapDeliveriesApi(this RouteGroupBuilder api)
    {
        var subs = api.MapGroup("/webhook-subscriptions").WithTags("Deliveries");

        const string Filters = "Filters: `subscriptionId`, `status` (`pending`, `succeeded`, `failed`, `cancelled`), `event`, `recordSlug`, `since`/`until` (ISO 8601, on the delivery's creation), `statusCode` (the last answer's), `minDurationMs`/`maxDurationMs` (the last attempt's), and `q`: free text that finds a delivery, event or record id (full, or the 8-digit tail the console shows), a status code, or text of 3 characters or more anywhere in the payload. A `q` that is some delivery's short id or last status code finds just those; only when nothing has it is it looked for in the payloads.";

        subs.MapGet("/deliveries", async (HttpContext http, DeliveryService deliveries, [AsParameters] DeliveryQuery filter, int? limit, string? cursor, bool? count) =>
            TypedResults.Ok(await deliveries.ListAsync(http.WorkspaceId(), filter.ToFilter(), limit, cursor, count ?? true, http.RequestAborted)))
            .Doc("List deliveries", $"The delivery log, newest first, a page at a time, with `total`: how many deliveries the filters match, counted up to {DeliveryService.MaxTotal} (when more match, `total` is {DeliveryService.MaxTotal} and `totalCapped` is true; narrow the filters for an exact number). `count=false` skips counting. " + Filters,
                errors: [400], response: """{"data":[{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z"}],"nextCursor":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","total":1}""");

        subs.MapGet("/deliveries/export", async (HttpContext http, DeliveryService deliveries, [AsParameters] DeliveryQuery filter, string? format) =>
        {
            var f = format ?? "csv";
            if (f is not ("csv" or "ndjson")) throw ServiceException.Invalid("format", "format is csv or ndjson.");
            http.Response.ContentType = f == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"deliveries.{f}\"";
            await deliveries.ExportAsync(http.WorkspaceId(), filter.ToFilter(), f, http.Response.Body, http.RequestAborted);
        }).Produces<string>(200, "application/x-ndjson", "text/csv")
            .Doc("Export deliveries", "The filtered log, newest first, streamed: `format=csv` (a header line, then one delivery per line; no payload) or `format=ndjson` (one delivery per line, as the list shows it, payload included). " + Filters,
                errors: [400], response: """{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z"}""");

        subs.MapPost("/deliveries/bulk", async (HttpContext http, DeliveryService deliveries, BulkRequest body) =>
            TypedResults.Ok(new One<BulkResult>(await deliveries.BulkAsync(http.WorkspaceId(), body.Action ?? "", body.Ids, body.Filter?.ToFilter(),
                TokenName(http), ct: http.RequestAborted))))
            .Doc("Replay or cancel many deliveries", $"`action` `replay` (a new delivery of each final one; pending ones are skipped) or `cancel` (each pending one ends as `cancelled`; final ones and attempts in flight are skipped), on the listed `ids` (at most {DeliveryService.MaxBulk}) or on every delivery `filter` selects (the list's filters as an object). Answers how many were selected, done and skipped.",
                errors: [400], request: """{"action":"replay","filter":{"status":"failed","since":"2026-12-01T08:00:00Z"}}""", response: """{"data":{"action":"replay","matched":42,"done":40,"skipped":2}}""");

        subs.MapPost("/deliveries/{id:guid}/attempt-now", async (HttpContext http, DeliveryService deliveries, Guid id) =>
            TypedResults.Ok(new One<DeliveryView>(await deliveries.AttemptNowAsync(http.WorkspaceId(), id, http.RequestAborted))))
            .Doc("Retry a delivery now", "A pending delivery's next attempt starts at once instead of after its retry delay; it keeps its attempt count and budget. 409 once it is final, or while an attempt is in flight.",
                errors: [409], response: """{"data":{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z"}}""");

        subs.MapPost("/deliveries/{id:guid}/cancel", async (HttpContext http, DeliveryService deliveries, Guid id, CancelRequest? body) =>
            TypedResults.Ok(new One<DeliveryView>(await deliveries.CancelAsync(http.WorkspaceId(), id, TokenName(http), body?.Reason, http.RequestAborted))))
            .Doc("Cancel a delivery", "A pending delivery ends as `cancelled` and is not attempted again; `lastError` says who cancelled it (the token) and the optional `reason`. It can still be replayed. 409 once it is final, or while an attempt is in flight.",
                errors: [409], request: """{"reason":"The customer retired this endpoint."}""", response: """{"data":{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z"}}""");

        subs.MapGet("/{id:guid}/health", async (HttpContext http, DeliveryService deliveries, TimeProvider time, Guid id) =>
            (await deliveries.HealthAsync(http.WorkspaceId(), time.GetUtcNow().UtcDateTime, id, http.RequestAborted)).TryGetValue(id, out var health)
                ? TypedResults.Ok(new One<SubscriptionHealth>(health))
                : throw ServiceException.NotFound("Subscription"))
            .Doc("Read a subscription's health", "The last 24 hours of one subscription: deliveries succeeded, failed and pending, `successRate` over the final ones (null when none finished), `p50Ms`/`p95Ms` attempt durations (over its latest attempts), its latest error, `hours`: the outcomes hour by hour, oldest first, and `attempts`: how many attempts those deliveries made, with `attemptSuccessRate` the share answered 2xx (null when none was made). The console's endpoint health panel shows these same figures.",
                response: """{"data":{"subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","succeeded":412,"failed":3,"pending":1,"successRate":0.9928,"p50Ms":84,"p95Ms":312,"lastError":"HTTP 503","lastErrorAt":"2026-12-01T09:12:00Z","hours":[{"hour":"2026-12-01T09:00:00Z","succeeded":40,"failed":1,"pending":1}],"attempts":431,"attemptSuccessRate":0.9559}}""");

        api.MapGet("/events/{id:guid}", async (HttpContext http, DeliveryService deliveries, Guid id) =>
            TypedResults.Ok(new One<EventView>(await deliveries.EventAsync(http.WorkspaceId(), id, http.RequestAborted))))
            .WithTags("Events")
            .Doc("Read an event", "One event: its type, collection, record, the exact payload every delivery of it sends, and `deliveries`: every delivery it became (one per subscription it matched, plus replays), oldest first.",
                response: """{"data":{"id":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","createdAt":"2026-12-01T09:40:00Z","payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"deliveries":[{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z"}]}}""");

        api.MapGet("/collections/{slug}/records/{id:guid}/events", async (HttpContext http, DeliveryService deliveries, string slug, Guid id, int? limit, string? cursor) =>
            TypedResults.Ok(await deliveries.RecordEventsAsync(http.WorkspaceId(), slug, id, limit, cursor, http.RequestAborted)))
            .WithTags("Events")
            .Doc("List a record's events", "The events of one record (its creates, updates and delete), newest first, a page at a time; `statuses` counts its deliveries by status. Also answers for a deleted record.",
                errors: [400], response: """{"data":[{"id":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_updated","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","createdAt":"2026-12-01T09:40:00Z","payload":{"event":"record_updated","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":220},"timestamp":"2026-12-01T09:40:00Z"},"statuses":{"succeeded":2}}],"nextCursor":null}""");

        subs.MapGet("/deliveries/{id:guid}", async (HttpContext http, DeliveryService deliveries, Guid id) =>
            TypedResults.Ok(new One<DeliveryView>(await deliveries.GetAsync(http.WorkspaceId(), id, http.RequestAborted))))
            .Doc("Read a delivery", "One delivery with every attempt: when it started, how long it took, the status code or error, the response body (up to `Webhooks:MaxResponseBodyBytes`) and headers, and the request headers sent (signatures, never the secret). `payload` is the exact JSON sent.",
                response: """{"data":{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z","attempts":[{"number":1,"startedAt":"2026-12-01T09:40:00Z","durationMs":30001,"statusCode":null,"error":"Timed out after 30 s.","responseBody":null,"responseHeaders":null,"requestHeaders":{"X-Signature":"k3S1…"}},{"number":2,"startedAt":"2026-12-01T09:40:31Z","durationMs":84,"statusCode":200,"error":null,"responseBody":"ok","responseHeaders":{"Content-Type":"text/plain"},"requestHeaders":{"X-Signature":"k3S1…"}}]}}""");

        subs.MapPost("/deliveries/{id:guid}/retry", async (HttpContext http, DeliveryService deliveries, Guid id) =>
        {
            var replay = await deliveries.ReplayAsync(http.WorkspaceId(), id, http.RequestAborted);
            return TypedResults.Created($"{http.Request.PathBase}/data/workspace/{http.WorkspaceSlug()}/api/v1/webhook-subscriptions/deliveries/{replay.Id}",
                new One<DeliveryView>(replay));
        }).Doc("Replay a delivery", "A new delivery of the same event (same body, same `X-Centrali-Event-Id`) to the subscription's current URL, signed with its current secret; `replayedFrom` is the original's id, and the original is untouched. With `ordering: record` a replay is outside the order: it neither waits for the record's pending deliveries nor holds them up. Answers 201 with the new delivery; 409 while the original is still pending.",
            errors: [409], response: """{"data":{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"pending","attemptCount":0,"maxAttempts":5,"nextAttemptAt":"2026-12-01T10:05:00Z","lastStatusCode":null,"lastError":null,"replayedFrom":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":null}}""");

        subs.MapPost("/{id:guid}/test", async (HttpContext http, DeliveryService deliveries, Guid id) =>
        {
            var test = await deliveries.SendTestAsync(http.WorkspaceId(), http.WorkspaceSlug(), id, http.RequestAborted);
            return TypedResults.Accepted($"{http.Request.PathBase}/data/workspace/{http.WorkspaceSlug()}/api/v1/webhook-subscriptions/deliveries/{test.Id}",
                new One<DeliveryView>(test));
        }).Doc("Send a test delivery", "One `webhook_test` delivery (collection `webhook-test`, a small sample `data`) to this subscription, whatever its events and filter. Answers 202 with the delivery; follow it at the `Location`.",
            response: """{"data":{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"webhook_test","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"pending","attemptCount":0,"maxAttempts":5,"nextAttemptAt":"2026-12-01T10:05:00Z","lastStatusCode":null,"lastError":null,"replayedFrom":null,"payload":{"event":"webhook_test","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":null}}""");

        subs.MapGet("/{id:guid}/failures", async (HttpContext http, DeliveryService deliveries, Guid id, int? limit, string? cursor) =>
            TypedResults.Ok(await deliveries.FailuresAsync(http.WorkspaceId(), id, limit, cursor, http.RequestAborted)))
            .Doc("List a subscription's failures", "Its failed deliveries, newest first, a page at a time: what `recover` would replay.",
                errors: [400], response: """{"data":[{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"failed","attemptCount":5,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":500,"lastError":"HTTP 500","replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z"}],"nextCursor":null}""");

        subs.MapPost("/{id:guid}/recover", async Task<Ok<One<RecoverResult>>> (HttpContext http, DeliveryService deliveries, Guid id, RecoverRequest body) =>
            TypedResults.Ok(new One<RecoverResult>(await deliveries.RecoverAsync(http.WorkspaceId(), id, body.Since, body.Until, http.RequestAborted))))
            .Doc("Recover failed deliveries", "After an outage: replays the subscription's failed deliveries created in [`since`, `until`) (`until` open when absent) as new deliveries, once per event; an event that already has a pending or succeeded delivery to this subscription is skipped, so a second recover sends nothing twice. Answers how many were replayed.",
                errors: [400], request: """{"since":"2026-12-01T08:00:00Z","until":"2026-12-01T10:00:00Z"}""", response: """{"data":{"count":17}}""");

        return api;
    }

    /// <summary>The console's download of the log: the signed-in user's current workspace, the same filters as the API's export.</summary>
    public static IEndpointRouteBuilder MapConsoleExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/deliveries/export", async Task<IResult> (HttpContext http, DeliveryService deliveries, CurrentWorkspace current,
            AuthenticationStateProvider auth, [AsParameters] DeliveryQuery filter, string? format) =>
        {
            // Outside a circuit the provider has no state of its own: give it this request's user.
            if (auth is IHostEnvironmentAuthenticationStateProvider host)
                host.SetAuthenticationState(Task.FromResult(new AuthenticationState(http.User)));
            // Only a workspace the user is a member of.
            if (await current.GetAsync() is not { } workspace) return TypedResults.Problem(statusCode: 404, title: "Workspace was not found.");
            var f = format is "ndjson" ? "ndjson" : "csv";
            http.Response.ContentType = f == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"deliveries-{workspace.Slug}.{f}\"";
            await deliveries.ExportAsync(workspace.Id, filter.ToFilter(), f, http.Response.Body, http.RequestAborted);
            return TypedResults.Empty;
        }).RequireAuthorization().WithName("DownloadDeliveries").WithSummary("Download the delivery log").WithTags("Deliveries").ExcludeFromDescription();
        return app;
    }

    /// <summary>Who acted, as a cancelled delivery records it: the API token by its hint.</summary>
    static string TokenName(HttpContext http) => $"API token {http.User.FindFirst(TokenClaims.TokenHint)?.Value}";
}
