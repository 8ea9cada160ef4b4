using Centrali.Console.Api;
using Centrali.Console.Collections;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Records;

public static class RecordsApi
{
    public static RouteGroupBuilder MapRecordsApi(this RouteGroupBuilder api)
    {
        var records = api.MapGroup("/collections/{slug}/records").WithTags("Records");

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
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Id}", new One<RecordView>(created.Value));
        }).Accepts<System.Text.Json.Nodes.JsonObject>("application/json")
        .Doc("Create a record", "The body is the record's data: any JSON object up to `Records:MaxBytes`. Emits `record_created` in the same transaction. Honours `Idempotency-Key`: a repeat answers the first record, and emits nothing.",
            errors: [400, 413], request: """{"orderNumber":"ORD-1045","total":210}""", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":210},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        records.MapGet("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
            TypedResults.Ok(new One<RecordView>(await service.GetAsync(http.WorkspaceId(), slug, RecordId(id), ct))))
            .Doc("Read a record", "One record by its id (a GUID).", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":210},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        records.MapPut("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            return TypedResults.Ok(new One<RecordView>(await service.ReplaceAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), json, ct)));
        }).Accepts<System.Text.Json.Nodes.JsonObject>("application/json")
        .Doc("Replace a record", "The record's data becomes exactly the body (a JSON object). Emits `record_updated`.",
            errors: [400, 413], request: """{"orderNumber":"ORD-1045","total":250}""", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":250},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        records.MapPatch("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            return TypedResults.Ok(new One<RecordView>(await service.PatchAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), json, ct)));
        }).Accepts<System.Text.Json.Nodes.JsonObject>("application/json")
        .Doc("Merge-patch a record", "An RFC 7396 merge patch: objects merge, `null` removes a key, anything else replaces. Emits `record_updated` with the data as it is after the patch.",
            errors: [400, 413], request: """{"total":250,"note":null}""", response: """{"data":{"id":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417","collection":"orders","data":{"orderNumber":"ORD-1045","total":250},"createdAt":"2026-12-01T09:40:00Z","updatedAt":"2026-12-01T09:40:00Z"}}""");

        records.MapDelete("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            await service.DeleteAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), ct);
            return TypedResults.NoContent();
        }).Doc("Delete a record", "Deletes the record (204) and emits `record_deleted` carrying the data as it was, so receivers can act on what disappeared.");

        return api;
    }

    /// <summary>An id that is not a GUID names no record: 404, like any unknown id.</summary>
    static Guid RecordId(string id) => Guid.TryParse(id, out var guid) ? guid : throw ServiceException.NotFound("Record");
}
