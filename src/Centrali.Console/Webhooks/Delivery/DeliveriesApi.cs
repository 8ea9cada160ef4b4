using Centrali.Console.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Webhooks.Delivery;

public sealed record RecoverRequest(DateTime? Since, DateTime? Until);

public static class DeliveriesApi
{
    public static RouteGroupBuilder MapDeliveriesApi(this RouteGroupBuilder api)
    {
        var subs = api.MapGroup("/webhook-subscriptions").WithTags("Deliveries");

        subs.MapGet("/deliveries", async (HttpContext http, DeliveryService deliveries, Guid? subscriptionId, string? status, string? @event,
                string? recordSlug, DateTime? since, DateTime? until, int? limit, string? cursor) =>
            TypedResults.Ok(await deliveries.ListAsync(http.WorkspaceId(),
                new DeliveryFilter(subscriptionId, status, @event, recordSlug, since, until), limit, cursor, http.RequestAborted)))
            .Doc("List deliveries", "The delivery log, newest first, a page at a time. Filters: `subscriptionId`, `status` (`pending`, `succeeded`, `failed`), `event`, `recordSlug`, and `since`/`until` (ISO 8601, on the delivery's creation).",
                errors: [400], response: """{"data":[{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z"}],"nextCursor":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e"}""");

        subs.MapGet("/deliveries/{id:guid}", async (HttpContext http, DeliveryService deliveries, Guid id) =>
            TypedResults.Ok(new One<DeliveryView>(await deliveries.GetAsync(http.WorkspaceId(), id, http.RequestAborted))))
            .Doc("Read a delivery", "One delivery with every attempt: when it started, how long it took, the status code or error, the response body (up to `Webhooks:MaxResponseBodyBytes`) and headers, and the request headers sent (signatures, never the secret). `payload` is the exact JSON sent.",
                response: """{"data":{"id":"0193a7f5-8e2a-7b4c-9d3e-1f2a3b4c5d6e","subscriptionId":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","eventId":"0193a7f5-8e29-7a1b-8c2d-3e4f5a6b7c8d","event":"record_created","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","status":"succeeded","attemptCount":2,"maxAttempts":5,"nextAttemptAt":null,"lastStatusCode":200,"lastError":null,"replayedFrom":null,"payload":{"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"orderNumber":"ORD-1045","total":210},"timestamp":"2026-12-01T09:40:00Z"},"createdAt":"2026-12-01T09:40:00Z","completedAt":"2026-12-01T09:40:31Z","attempts":[{"number":1,"startedAt":"2026-12-01T09:40:00Z","durationMs":30001,"statusCode":null,"error":"Timed out after 30 s.","responseBody":null,"responseHeaders":null,"requestHeaders":{"X-Signature":"k3S1…"}},{"number":2,"startedAt":"2026-12-01T09:40:31Z","durationMs":84,"statusCode":200,"error":null,"responseBody":"ok","responseHeaders":{"Content-Type":"text/plain"},"requestHeaders":{"X-Signature":"k3S1…"}}]}}""");

        subs.MapPost("/deliveries/{id:guid}/retry", async (HttpContext http, DeliveryService deliveries, Guid id) =>
        {
            var replay = await deliveries.ReplayAsync(http.WorkspaceId(), id, http.RequestAborted);
            return TypedResults.Created($"{http.Request.PathBase}/data/workspace/{http.WorkspaceSlug()}/api/v1/webhook-subscriptions/deliveries/{replay.Id}",
                new One<DeliveryView>(replay));
        }).Doc("Replay a delivery", "A new delivery of the same event (same body, same `X-Centrali-Event-Id`) to the subscription's current URL, signed with its current secret; `replayedFrom` is the original's id, and the original is untouched. Answers 201 with the new delivery; 409 while the original is still pending.",
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
}
