using Centrali.Console.Api;
using Centrali.Console.Collections;
using Centrali.Console.Records;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>API.md "Webhook subscriptions": list, create, read, patch, delete, rotate-secret.</summary>
public static class SubscriptionsApi
{
    public static RouteGroupBuilder MapSubscriptionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/webhook-subscriptions").WithTags("Webhook subscriptions");

        group.MapGet("", async (HttpContext http, SubscriptionService subscriptions, int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await subscriptions.ListAsync(http.WorkspaceId(), limit, cursor, ct)));

        group.MapPost("", async Task<Results<Created<One<SubscriptionView>>, StoredAnswerResult>> (
            HttpContext http, SubscriptionService subscriptions, SubscriptionInput body, CancellationToken ct) =>
        {
            var created = await subscriptions.CreateAsync(http.WorkspaceId(), body, IdempotencyKey.From(http.Request), ct);
            if (created.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Id}", new One<SubscriptionView>(created.Value));
        });

        // {id:guid}: the delivery log's routes (/webhook-subscriptions/deliveries…) live beside these.
        group.MapGet("/{id:guid}", async (HttpContext http, SubscriptionService subscriptions, Guid id, CancellationToken ct) =>
            TypedResults.Ok(new One<SubscriptionView>(await subscriptions.GetAsync(http.WorkspaceId(), id, ct))));

        group.MapPatch("/{id:guid}", async (HttpContext http, SubscriptionService subscriptions, Guid id, SubscriptionInput body, CancellationToken ct) =>
            TypedResults.Ok(new One<SubscriptionView>(await subscriptions.PatchAsync(http.WorkspaceId(), id, body, ct))));

        group.MapDelete("/{id:guid}", async Task<NoContent> (HttpContext http, SubscriptionService subscriptions, Guid id, CancellationToken ct) =>
        {
            await subscriptions.DeleteAsync(http.WorkspaceId(), id, ct);
            return TypedResults.NoContent();
        });

        group.MapPost("/{id:guid}/rotate-secret", async Task<Results<Ok<One<SubscriptionView>>, StoredAnswerResult>> (
            HttpContext http, SubscriptionService subscriptions, Guid id,
            [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] RotateInput? body, CancellationToken ct) =>
        {
            var overlap = SubscriptionService.ParseOverlap(body?.Overlap);
            var rotated = await subscriptions.RotateSecretAsync(http.WorkspaceId(), id, overlap, IdempotencyKey.From(http.Request), ct);
            if (rotated.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Ok(new One<SubscriptionView>(rotated.Value!));
        });

        return group;
    }
}

/// <summary>The optional body of rotate-secret: how long the old secret keeps signing beside the new one.</summary>
public sealed record RotateInput(string? Overlap);
