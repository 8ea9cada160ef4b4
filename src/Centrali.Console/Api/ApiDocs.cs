using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Centrali.Console.Api;

/// <summary>
/// The OpenAPI document's words: every endpoint's summary, description, examples and error answers, and the document's
/// introduction (authentication, envelopes, errors, paging, idempotency, and what a webhook receiver gets). Served as
/// JSON at /openapi/v1.json and as a reference at /api-docs.
/// </summary>
public static class ApiDocs
{
    static readonly Dictionary<int, string> Errors = new()
    {
        [400] = "Bad input. problem+json whose `errors` names each field and what is wrong with it; nothing was changed.",
        [401] = "No bearer token, or one that is unknown or revoked.",
        [403] = "Not allowed for this token: a `read` token answers GET only, and nothing does more than its owner's role in the workspace (viewer, developer, owner) allows.",
        [404] = "No such workspace, id or slug in this workspace (another workspace's objects answer the same: never a 403 that confirms they exist).",
        [409] = "Conflict with the current state (see the description).",
        [412] = "The `If-Match` precondition failed: the resource changed since it was read.",
        [413] = "The body is too large: `Records:MaxBytes` for records, 64 KB for every other request.",
    };

    /// <summary>
    /// Documents one endpoint. <paramref name="errors"/> lists its error statuses beyond 401, 403 and 404, which every call
    /// of the workspace API can answer. Examples are JSON text. The summary also names the operation ("List collections"
    /// is <c>ListCollections</c>), so every summary is unique.
    /// </summary>
    public static RouteHandlerBuilder Doc(this RouteHandlerBuilder endpoint, string summary, string description,
        int[]? errors = null, string? request = null, string? response = null)
    {
        endpoint.WithName(OperationName(summary)).WithSummary(summary).WithDescription(description);
        foreach (var status in (errors ?? []).Concat([401, 403, 404]).Distinct().Order())
            if (status == 400) endpoint.ProducesValidationProblem();
            else endpoint.ProducesProblem(status);
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (request is not null && operation.RequestBody?.Content is { } requestContent)
                foreach (var media in requestContent.Values) media.Example = JsonNode.Parse(request);
            foreach (var (code, answer) in operation.Responses ?? [])
            {
                if (int.TryParse(code, out var status) && Errors.TryGetValue(status, out var words) && answer is OpenApiResponse r) r.Description = words;
                if (response is not null && code.StartsWith('2') && answer.Content is { } content)
                    foreach (var (type, media) in content)
                        if (type.Contains("json")) media.Example = JsonNode.Parse(response);
            }
            return Task.CompletedTask;
        });
        return endpoint;
    }

    /// <summary>"List a webhook's failed deliveries (older form)" → <c>ListWebhookFailedDeliveriesOlderForm</c>.</summary>
    public static string OperationName(string summary) => string.Concat(
        summary.Replace("'s", "").Split([' ', '-', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w is not ("a" or "an" or "the"))
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    public static IServiceCollection AddApiDocs(this IServiceCollection services) =>
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo { Title = "Centrali Console API", Version = "v1", Description = Introduction };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "An API token of the workspace in the route (`cct_…`), created on the console's Tokens page or by `Bootstrap:ApiToken`.",
            };
            document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("Bearer", document)] = [] }];
            return Task.CompletedTask;
        }));

    const string Introduction = """
        Collections of JSON records, and signed webhooks about every change to them.

        ## Calling the API
        The base is `/data/workspace/{workspace}/api/v1`, where `{workspace}` is the workspace's slug. Every call needs
        `Authorization: Bearer <token>` with a token of that workspace; `GET /whoami` is the cheapest check that one works.
        A token belongs to the console user who made it and never does more than their role in the workspace allows:
        viewers read; developers also change collections, records and subscriptions, replay, and keep tokens of their own;
        owners also manage members, every token, and read the audit log. A token's scope is `write`, or `read` (GET only);
        it may expire, and it stops working when revoked or when its owner leaves the workspace or becomes a viewer.
        JSON is camelCase. One object answers as `{"data": {...}}`; a list as `{"data": [...], "nextCursor": "..." | null}`:
        pass `nextCursor` back as `?cursor=` for the next page; `?limit=` is 1 to 500, default 50.

        Errors are RFC 7807 `application/problem+json`: 400 bad input (with field-level `errors`), 401 no or bad token,
        403 a write with a `read` token or beyond the owner's role, 404 an unknown id or slug (another workspace's objects answer 404 too), 409 a conflict, 412 a stale `If-Match`, 413 a body over `Records:MaxBytes` (64 KB for anything but records).
        A `POST` with an `Idempotency-Key` header answers a repeat of the same key within 24 hours with the first answer
        (header `Idempotent-Replayed: true`) instead of acting twice.

        ## Events
        Each committed record create, update or delete emits one event, `record_created`, `record_updated` or
        `record_deleted`, in the same database transaction as the change: if the write commits, its deliveries happen,
        even if the process dies right after. Each active subscription whose events, collections and filter match gets
        one delivery of it.

        ## What a receiver gets
        `POST <url>` with `Content-Type: application/json`, `User-Agent: Centrali-Webhooks/1.0` and this body, byte for byte
        the same on every attempt and replay:

        ```json
        {"event":"record_created","workspaceSlug":"demo","recordSlug":"orders",
         "recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","data":{"total":210},"timestamp":"2026-04-22T04:59:02Z"}
        ```

        Headers: the signature header, `X-Centrali-Event` (the event type), `X-Centrali-Delivery-Id` (the same on every
        attempt of one delivery) and `X-Centrali-Event-Id` (the same for every delivery and replay of one event: dedupe on it).

        **Signature.** By default `X-Signature: base64(HMAC-SHA256(key = the UTF-8 bytes of the whole secret, message = the raw
        body))`, which Node's `crypto.createHmac('sha256', secret).update(rawBody).digest('base64')` reproduces. A subscription's
        `algorithm` (`sha256`, `sha1`, `sha512`), `encoding` (`base64`, `hex`), `signatureHeader` and `signaturePrefix` change
        the four parts (e.g. `X-Centrali-Signature: sha256=<hex>`). Every delivery also carries the Standard Webhooks headers,
        so any Standard Webhooks library verifies it with the same secret: `webhook-id` (the event id), `webhook-timestamp`
        (Unix seconds of this attempt) and `webhook-signature: v1,<base64 of HMAC-SHA256(key = base64-decoded secret after
        "whsec_", message = "{webhook-id}.{webhook-timestamp}.{raw body}")>`. Secrets are `whsec_` and the base64 of 32 random
        bytes, or one of your own given on create or rotate-secret (a secret without `whsec_` signs Standard Webhooks with its
        UTF-8 bytes as the key), shown once, stored encrypted.

        **Bytes.** The body is written as JavaScript's `JSON.stringify` writes JSON back (compact, keys in JavaScript's order,
        UTF-8, its escapes and shortest numbers), so a receiver that signs re-serialised JSON still matches; a number JavaScript
        cannot hold exactly is sent as written, and the delivery's `payloadNote` says so. A subscription's `payloadFormat` `v1`
        sends the older webhooks guide's body instead (`{"event":"record.created","workspace":…,"timestamp":…,"data":{"structure":…,
        "recordId":…,"record":{…}}}`); the routes of that guide, under `/workspace/{workspace}/api/v1/webhooks`, are listed as the older form.

        **Retries.** Any 2xx succeeds; anything else (another status, a timeout, a refused connection, a TLS error, a redirect,
        which is not followed) fails the attempt. The next attempt waits `Webhooks:RetryDelays` (30 s, 2 min, 10 min, 30 min
        by default; attempts = delays + 1) with ±`Webhooks:JitterFraction` jitter; a 429 or 503 with `Retry-After` waits that
        long, clamped to [delay, 2 × delay]. When attempts run out the delivery is `failed`, its last error kept. A 410 Gone
        fails the delivery at once and sets the subscription `inactive`. After `Webhooks:CircuitBreaker:FailureThreshold`
        consecutive failures a URL's circuit opens for `BreakDuration`: its deliveries wait without spending attempts,
        then one trial decides.

        ## Operations
        `/healthz` (liveness), `/healthz/ready` (database, job server, backlog), `/metrics` (Prometheus text: an admin's
        cookie or `Authorization: Bearer <Metrics:Token>`), and this reference at `/api-docs`.
        """;
}
