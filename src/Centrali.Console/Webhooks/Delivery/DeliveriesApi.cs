using Centrali.Console.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Webhooks.Delivery;

public sealed record RecoverRequest(DateTime? Since, DateTime? Until);

/// <summary>The log's filters as query parameters, shared by the list, the export and bulk actions.</summary>
public sealed record DeliveryQuery(Guid? SubscriptionId, string? Status, string? Event, string? RecordSlug, DateTime? Since, DateTime? Until,
    string? Q, int? StatusCode, int? MinDurationMs, int? MaxDurationMs)
{
    public DeliveryFilter ToFilter() => new(SubscriptionId, Status, Event, RecordSlug, Since, Until, Q, StatusCode, MinDurationMs, MaxDurationMs);
}

public static class DeliveriesApi
{
    public static RouteGroupBuilder MapDeliveriesApi(this RouteGroupBuilder api)
    {
        var subs = api.MapGroup("/webhook-subscriptions").WithTags("Deliveries");

        subs.MapGet("/deliveries", async (HttpContext http, DeliveryService deliveries, [AsParameters] DeliveryQuery filter, int? limit, string? cursor, bool? count) =>
            TypedResults.Ok(await deliveries.ListAsync(http.WorkspaceId(), filter.ToFilter(), limit, cursor, count ?? true, http.RequestAborted)));

        subs.MapGet("/deliveries/{id:guid}", async (HttpContext http, DeliveryService deliveries, Guid id) =>
            TypedResults.Ok(new One<DeliveryView>(await deliveries.GetAsync(http.WorkspaceId(), id, http.RequestAborted))));

        subs.MapPost("/deliveries/{id:guid}/retry", async (HttpContext http, DeliveryService deliveries, Guid id) =>
        {
            var replay = await deliveries.ReplayAsync(http.WorkspaceId(), id, http.RequestAborted);
            return TypedResults.Created($"{http.Request.PathBase}/data/workspace/{http.WorkspaceSlug()}/api/v1/webhook-subscriptions/deliveries/{replay.Id}",
                new One<DeliveryView>(replay));
        });

        subs.MapPost("/{id:guid}/test", async (HttpContext http, DeliveryService deliveries, Guid id) =>
        {
            var test = await deliveries.SendTestAsync(http.WorkspaceId(), http.WorkspaceSlug(), id, http.RequestAborted);
            return TypedResults.Accepted($"{http.Request.PathBase}/data/workspace/{http.WorkspaceSlug()}/api/v1/webhook-subscriptions/deliveries/{test.Id}",
                new One<DeliveryView>(test));
        });

        subs.MapGet("/{id:guid}/failures", async (HttpContext http, DeliveryService deliveries, Guid id, int? limit, string? cursor) =>
            TypedResults.Ok(await deliveries.FailuresAsync(http.WorkspaceId(), id, limit, cursor, http.RequestAborted)));

        subs.MapPost("/{id:guid}/recover", async Task<Ok<One<RecoverResult>>> (HttpContext http, DeliveryService deliveries, Guid id, RecoverRequest body) =>
            TypedResults.Ok(new One<RecoverResult>(await deliveries.RecoverAsync(http.WorkspaceId(), id, body.Since, body.Until, http.RequestAborted))));

        return api;
    }
}
