using Centrali.Console.Api;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Webhooks.Delivery;

public sealed record RecoverRequest(DateTime? Since, DateTime? Until);

public sealed record CancelRequest(string? Reason);

/// <summary>A bulk action on the listed ids, or on every delivery the filter selects (the list's query parameters as an object).</summary>
public sealed record BulkRequest(string? Action, List<Guid>? Ids, DeliveryQuery? Filter);

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

        subs.MapGet("/deliveries/export", async (HttpContext http, DeliveryService deliveries, [AsParameters] DeliveryQuery filter, string? format) =>
        {
            var f = format ?? "csv";
            if (f is not ("csv" or "ndjson")) throw ServiceException.Invalid("format", "format is csv or ndjson.");
            http.Response.ContentType = f == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"deliveries.{f}\"";
            await deliveries.ExportAsync(http.WorkspaceId(), filter.ToFilter(), f, http.Response.Body, http.RequestAborted);
        });

        subs.MapPost("/deliveries/bulk", async (HttpContext http, DeliveryService deliveries, BulkRequest body) =>
            TypedResults.Ok(new One<BulkResult>(await deliveries.BulkAsync(http.WorkspaceId(), body.Action ?? "", body.Ids, body.Filter?.ToFilter(),
                TokenName(http), ct: http.RequestAborted))));

        subs.MapPost("/deliveries/{id:guid}/attempt-now", async (HttpContext http, DeliveryService deliveries, Guid id) =>
            TypedResults.Ok(new One<DeliveryView>(await deliveries.AttemptNowAsync(http.WorkspaceId(), id, http.RequestAborted))));

        subs.MapPost("/deliveries/{id:guid}/cancel", async (HttpContext http, DeliveryService deliveries, Guid id, CancelRequest? body) =>
            TypedResults.Ok(new One<DeliveryView>(await deliveries.CancelAsync(http.WorkspaceId(), id, TokenName(http), body?.Reason, http.RequestAborted))));

        api.MapGet("/events/{id:guid}", async (HttpContext http, DeliveryService deliveries, Guid id) =>
            TypedResults.Ok(new One<EventView>(await deliveries.EventAsync(http.WorkspaceId(), id, http.RequestAborted)))).WithTags("Events");

        api.MapGet("/collections/{slug}/records/{id:guid}/events", async (HttpContext http, DeliveryService deliveries, string slug, Guid id, int? limit, string? cursor) =>
            TypedResults.Ok(await deliveries.RecordEventsAsync(http.WorkspaceId(), slug, id, limit, cursor, http.RequestAborted))).WithTags("Events");

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

    /// <summary>The console's download of the log: the signed-in user's current workspace, the same filters as the API's export.</summary>
    public static IEndpointRouteBuilder MapConsoleExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/deliveries/export", async (HttpContext http, DeliveryService deliveries, CurrentWorkspace current,
            AuthenticationStateProvider auth, [AsParameters] DeliveryQuery filter, string? format) =>
        {
            // Outside a circuit the provider has no state of its own: give it this request's user.
            if (auth is IHostEnvironmentAuthenticationStateProvider host)
                host.SetAuthenticationState(Task.FromResult(new AuthenticationState(http.User)));
            var workspace = await current.GetAsync();
            var f = format is "ndjson" ? "ndjson" : "csv";
            http.Response.ContentType = f == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"deliveries-{workspace.Slug}.{f}\"";
            await deliveries.ExportAsync(workspace.Id, filter.ToFilter(), f, http.Response.Body, http.RequestAborted);
        }).RequireAuthorization().ExcludeFromDescription();
        return app;
    }

    /// <summary>Who acted, as a cancelled delivery records it: the API token by its hint.</summary>
    static string TokenName(HttpContext http) => $"API token {http.User.FindFirst(Auth.ApiTokenAuthentication.TokenHintClaim)?.Value}";
}
