using Centrali.Console.Api;
using Centrali.Console.Webhooks.Filters;
using Centrali.Console.Webhooks.Secrets;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>Webhook subscriptions: list, create, read, patch, delete, rotate-secret.</summary>
public static class SubscriptionsApi
{
    public static IServiceCollection AddSubscriptions(this IServiceCollection services)
    {
        // The same Webhooks:AllowPrivateNetworks the sender obeys at connect time (default: true only in Development).
        services.AddSingleton(sp => new UrlGuard(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks == true));
        services.AddSingleton<SubscriptionSecrets>();
        services.AddSingleton<SubscriptionFilters>();
        services.AddSingleton<SubscriptionRules>();
        services.AddSingleton<ActiveSubscriptions>();
        services.AddSingleton<SubscriptionWrites>();
        services.AddScoped<SubscriptionService>();
        services.AddScoped<FilterTrials>();
        services.AddScoped<SecretErasure>();
        services.AddHostedService<PreviousSecretErasure>();
        return services;
    }

    public static RouteGroupBuilder MapSubscriptionsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/webhook-subscriptions").WithTags("Webhook subscriptions");

        group.MapGet("", async (HttpContext http, SubscriptionService subscriptions, int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await subscriptions.ListAsync(http.WorkspaceId(), limit, cursor, ct)))
            .Doc("List subscriptions", "The workspace's webhook subscriptions, newest first, a page at a time (`limit`, `cursor`). The secret is never in a list; `secretHint` shows its last characters.",
                errors: [400], response: """{"data":[{"id":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","name":"Orders to billing","url":"https://billing.example.com/hooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"status":"active","signatureHeader":"X-Signature","algorithm":"sha256","encoding":"base64","signaturePrefix":"","secretHint":"whsec_…q7Rk","previousSecretExpiresAt":null,"filter":"data.total > 100","retryDelays":null,"timeout":null,"ordering":"none","rateLimit":null,"effectiveRate":null,"throttledAt":null,"headers":{},"secretHeaders":{},"signatureScheme":"hmac","publicKey":null,"previousPublicKey":null,"circuit":"closed","circuitOpenUntil":null,"createdAt":"2026-12-01T09:30:00Z","updatedAt":"2026-12-01T09:30:00Z"}],"nextCursor":null}""");

        group.MapPost("", async Task<Results<Created<One<SubscriptionView>>, StoredAnswerResult>> (
            HttpContext http, SubscriptionService subscriptions, SubscriptionInput body, CancellationToken ct) =>
        {
            var created = await subscriptions.CreateAsync(http.WorkspaceId(), body, IdempotencyKey.From(http.Request), ct);
            if (created.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Id}", new One<SubscriptionView>(created.Value));
        }).Doc("Create a subscription", """
            Subscribes a URL to record events. `name`, `url` (absolute http or https) and `events` (a non-empty subset of `record_created`,
            `record_updated`, `record_deleted`; `record.created` is accepted and stored underscored) are required; `recordSlugs` defaults
            to every collection, `status` to `active`, and the signature to `X-Signature`, `sha256`, `base64`, no prefix. `filter` is an expression over the wire body (see the README, "Subscription filters").
            `retryDelays` (delays such as `"00:00:30"` or `"PT30S"`, at most 20, each 1 s to 24 h; `[]` never retries) and `timeout`
            (seconds, 1–60) override `Webhooks:RetryDelays` and `Webhooks:Timeout` for this subscription; null or absent follows them.
            `ordering`: `none` (default) or `record` — one record's deliveries are attempted strictly in event order (a later one waits, `pending`,
            its `lastError` naming the delivery it waits on), different records in parallel. `rateLimit`: deliveries per second at most (1–10000;
            shared by all instances on PostgreSQL, per instance on SQLite); a 429, 502, 503 or 504 halves the rate in force, down to 1/s, and
            successes bring it back gradually — `effectiveRate` answers the rate in force, `throttledAt` the last throttling answer.
            `headers` (name → value) are sent with every delivery; `secretHeaders` too, stored encrypted and answered masked (`Bea…x9`); at most
            20 in all, names refused: `Host`, `Content-*`, `User-Agent`, the signature header, `webhook-*`, `X-Centrali-*` and HTTP's hop-by-hop ones.
            `signatureScheme`: `hmac` (default) or `ed25519` — then the subscription has a key pair, `publicKey` is `whpk_` + base64 of the
            32 raw bytes, `webhook-signature` carries `v1a,<base64 ed25519 signature over "{id}.{timestamp}.{body}">`, no `secret` is answered and
            the configured signature header is not sent.
            `payloadFormat` is `v2` (default: the body below) or `v1` (the older webhooks guide's body). The server generates the
            secret, or takes `secret`, one of your own (`whsec_` + base64 of 24 to 64 bytes, or 16 to 128 printable characters, such as
            one a receiver already has), and answers it once, in `data.secret`: store it now; no read shows it again. Unless `Webhooks:AllowPrivateNetworks` is on, URLs that resolve
            to loopback, private, link-local or metadata addresses are refused. Honours `Idempotency-Key`.
            """, errors: [400],
            request: """{"name":"Orders to billing","url":"https://billing.example.com/hooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"filter":"data.total > 100"}""",
            response: """{"data":{"id":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","name":"Orders to billing","url":"https://billing.example.com/hooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"status":"active","signatureHeader":"X-Signature","algorithm":"sha256","encoding":"base64","signaturePrefix":"","secretHint":"whsec_…q7Rk","previousSecretExpiresAt":null,"filter":"data.total > 100","retryDelays":null,"timeout":null,"ordering":"none","rateLimit":null,"effectiveRate":null,"throttledAt":null,"headers":{},"secretHeaders":{},"signatureScheme":"hmac","publicKey":null,"previousPublicKey":null,"circuit":"closed","circuitOpenUntil":null,"createdAt":"2026-12-01T09:30:00Z","updatedAt":"2026-12-01T09:30:00Z","secret":"whsec_MfKQ9r8GKYqrTp2EZbX4b7yVfGcZ3kA1v9dJm2Rk0qE="}}""");

        // {id:guid}: the delivery log's routes (/webhook-subscriptions/deliveries…) live beside these.
        group.MapGet("/{id:guid}", async (HttpContext http, SubscriptionService subscriptions, Guid id, CancellationToken ct) =>
            TypedResults.Ok(new One<SubscriptionView>(await subscriptions.GetAsync(http.WorkspaceId(), id, ct))))
            .Doc("Read a subscription", "One subscription, with the circuit state of its URL (`closed`, `open` or `half-open`, and until when it is open).",
                response: """{"data":{"id":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","name":"Orders to billing","url":"https://billing.example.com/hooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"status":"active","signatureHeader":"X-Signature","algorithm":"sha256","encoding":"base64","signaturePrefix":"","secretHint":"whsec_…q7Rk","previousSecretExpiresAt":null,"filter":"data.total > 100","retryDelays":null,"timeout":null,"ordering":"none","rateLimit":null,"effectiveRate":null,"throttledAt":null,"headers":{},"secretHeaders":{},"signatureScheme":"hmac","publicKey":null,"previousPublicKey":null,"circuit":"closed","circuitOpenUntil":null,"createdAt":"2026-12-01T09:30:00Z","updatedAt":"2026-12-01T09:30:00Z"}}""");

        group.MapPatch("/{id:guid}", async (HttpContext http, SubscriptionService subscriptions, Guid id, SubscriptionInput body, CancellationToken ct) =>
            TypedResults.Ok(new One<SubscriptionView>(await subscriptions.PatchAsync(http.WorkspaceId(), id, body, ct))))
            .Doc("Change a subscription", "Changes the fields the body carries and leaves the others; `\"filter\": null` clears the filter; `\"retryDelays\": null` and `\"timeout\": null` go back to the configured policy; `headers`/`secretHeaders` replace the whole map (a secret value sent back as its mask keeps the stored one); a change of `signatureScheme` makes new keys (switching to `hmac` answers the new `secret` once). The secret cannot be set (rotate it instead). Setting `status` to `inactive` pauses deliveries: new events skip it and its pending deliveries end failed.",
                errors: [400], request: """{"status":"inactive"}""", response: """{"data":{"id":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","name":"Orders to billing","url":"https://billing.example.com/hooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"status":"inactive","signatureHeader":"X-Signature","algorithm":"sha256","encoding":"base64","signaturePrefix":"","secretHint":"whsec_…q7Rk","previousSecretExpiresAt":null,"filter":"data.total > 100","retryDelays":null,"timeout":null,"ordering":"none","rateLimit":null,"effectiveRate":null,"throttledAt":null,"headers":{},"secretHeaders":{},"signatureScheme":"hmac","publicKey":null,"previousPublicKey":null,"circuit":"closed","circuitOpenUntil":null,"createdAt":"2026-12-01T09:30:00Z","updatedAt":"2026-12-01T09:30:00Z"}}""");

        group.MapDelete("/{id:guid}", async Task<NoContent> (HttpContext http, SubscriptionService subscriptions, Guid id, CancellationToken ct) =>
        {
            await subscriptions.DeleteAsync(http.WorkspaceId(), id, ct);
            return TypedResults.NoContent();
        }).Doc("Delete a subscription", "Deletes the subscription; its pending deliveries end failed, and its delivery log stays readable. Answers 204.");

        group.MapPost("/{id:guid}/rotate-secret", async Task<Results<Ok<One<SubscriptionView>>, StoredAnswerResult>> (
            HttpContext http, SubscriptionService subscriptions, Guid id,
            [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] RotateInput? body, CancellationToken ct) =>
        {
            var overlap = RotationOverlap.Parse(body?.Overlap);
            var rotated = await subscriptions.RotateSecretAsync(http.WorkspaceId(), id, overlap, IdempotencyKey.From(http.Request), ct, own: body?.Secret);
            if (rotated.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Ok(new One<SubscriptionView>(rotated.Value!));
        }).Doc("Rotate the secret", """
            Generates a new secret, or takes `secret`, one of your own (`whsec_` + base64 of 24 to 64 bytes, or 16 to 128 printable
            characters), and answers it once, in `data.secret` (an `ed25519` subscription gets a new key pair instead: `publicKey`, and `previousPublicKey` during the overlap). With `{"overlap": "PT24H"}` (an ISO 8601 duration or `24:00:00`,
            at most `P7D`) the old secret keeps signing beside the new one until `previousSecretExpiresAt`: `webhook-signature` carries both
            signatures, so receivers can switch without missing a delivery. Without it the old secret stops at once. Honours `Idempotency-Key`.
            """, errors: [400], request: """{"overlap":"PT24H"}""",
            response: """{"data":{"id":"0193a7f2-5b1e-7c3d-9a41-2f6e8d0c4b17","name":"Orders to billing","url":"https://billing.example.com/hooks/centrali","events":["record_created","record_updated"],"recordSlugs":["orders"],"status":"active","signatureHeader":"X-Signature","algorithm":"sha256","encoding":"base64","signaturePrefix":"","secretHint":"whsec_…q7Rk","previousSecretExpiresAt":"2026-12-02T09:30:00Z","filter":"data.total > 100","retryDelays":null,"timeout":null,"ordering":"none","rateLimit":null,"effectiveRate":null,"throttledAt":null,"headers":{},"secretHeaders":{},"signatureScheme":"hmac","publicKey":null,"previousPublicKey":null,"circuit":"closed","circuitOpenUntil":null,"createdAt":"2026-12-01T09:30:00Z","updatedAt":"2026-12-01T09:30:00Z","secret":"whsec_3b0yZ2mQx4LrVt8NcPq1Wd6Hs9Ke5Ja7Ug2Fi0Ro4Tc="}}""");

        return group;
    }
}

/// <summary>The optional body of rotate-secret: how long the old secret keeps signing beside the new one, and a secret of the user's own.</summary>
public sealed record RotateInput(string? Overlap, string? Secret = null);
