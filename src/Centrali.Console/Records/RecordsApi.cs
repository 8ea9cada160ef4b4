using Centrali.Console.Api;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Centrali.Console.Records;

public static class RecordsApi
{
    public static IServiceCollection AddRecords(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<RecordOptions>(config.GetSection("Records"));
        services.AddSingleton<CollectionIds>();
        services.AddSingleton<RecordCommits>();
        services.AddScoped<RecordService>();
        return services;
    }

    public static RouteGroupBuilder MapRecordsApi(this RouteGroupBuilder api)
    {
        // A record body has its own, larger cap (Records:MaxBytes), checked as it is read.
        var records = api.MapGroup("/collections/{slug}/records").WithTags("Records")
            .WithMetadata(new DisableRequestSizeLimitAttribute());

        records.MapGet("/", async (HttpContext http, RecordService service, string slug, int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(http.WorkspaceId(), slug, limit, cursor, ct)))
            .Doc("List records", "The collection's records, oldest first, a page at a time (`limit`, `cursor`).",
                errors: [400], response: """{"data":[{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":210},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}],"nextCursor":null}""");

        records.MapPost("/", async Task<Results<Created<One<RecordView>>, StoredAnswerResult>> (
            HttpContext http, RecordService service, string slug, CancellationToken ct) =>
        {
            var key = IdempotencyKey.From(http.Request);
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            var created = await service.CreateAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, json, key, ct);
            if (created.Replay is { } replay) return new StoredAnswerResult(replay);
            http.Response.Headers.ETag = created.Value!.ETag;
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value.Id}", new One<RecordView>(created.Value));
        }).Accepts<JsonObject>("application/json")
        .Doc("Create a record", "The body is the record's data: any JSON object up to `Records:MaxBytes`. Emits `record_created` in the same transaction. Honours `Idempotency-Key`: a repeat answers the first record, and emits nothing.",
            errors: [400, 413], request: """{"orderNumber":"ORD-1045","total":210}""", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":210},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        records.MapGet("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
            Tagged(http, await service.GetAsync(http.WorkspaceId(), slug, RecordId(id), ct)))
            .Doc("Read a record", "One record by its id (a GUID), with its version as `ETag`: send it back in `If-Match` to change the record only if nobody else did meanwhile.", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":210},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        // PUT, PATCH and DELETE take If-Match with the ETag of a read: a record changed since answers 412 instead of being overwritten.
        records.MapPut("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            return Tagged(http, await service.ReplaceAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), json, ct, IfMatch(http)));
        }).Accepts<JsonObject>("application/json")
        .Doc("Replace a record", "The record's data becomes exactly the body (a JSON object). Emits `record_updated`. With `If-Match: \"<ETag>\"` a record changed since answers 412 and stays as it is.",
            errors: [400, 412, 413], request: """{"orderNumber":"ORD-1045","total":250}""", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":250},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        records.MapPatch("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            return Tagged(http, await service.PatchAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), json, ct, IfMatch(http)));
        }).Accepts<JsonObject>("application/json")
        .Doc("Merge-patch a record", "An RFC 7396 merge patch: objects merge, `null` removes a key, anything else replaces. Emits `record_updated` with the data as it is after the patch. With `If-Match` a stale version answers 412; without it, concurrent patches are applied one after the other, so none is lost.",
            errors: [400, 412, 413], request: """{"total":250,"note":null}""", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":250},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        records.MapDelete("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            await service.DeleteAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), ct, IfMatch(http));
            return TypedResults.NoContent();
        }).Doc("Delete a record", "Deletes the record (204) and emits `record_deleted` carrying the data as it was, so receivers can act on what disappeared.");

        return api;
    }

    static Ok<One<RecordView>> Tagged(HttpContext http, RecordView record)
    {
        http.Response.Headers.ETag = record.ETag;
        return TypedResults.Ok(new One<RecordView>(record));
    }

    /// <summary>The version If-Match asks for ("3" or W/"3"); "*" or no header is none. Anything else matches no version (412).</summary>
    static int? IfMatch(HttpContext http)
    {
        var header = http.Request.Headers.IfMatch.ToString().Trim();
        if (header is "" or "*") return null;
        var tag = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        return tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' && int.TryParse(tag[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var v)
            ? v : -1;
    }

    /// <summary>An id that is not a GUID names no record: 404, like any unknown id.</summary>
    static Guid RecordId(string id) => Guid.TryParse(id, out var guid) ? guid : throw ServiceException.NotFound("Record");
}
