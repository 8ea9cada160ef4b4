using Centrali.Console.Api;
using Centrali.Console.Collections;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Records;

public static class RecordsApi
{
    public static RouteGroupBuilder MapRecordsApi(this RouteGroupBuilder api)
    {
        // A record body has its own, larger cap (Records:MaxBytes), checked as it is read.
        var records = api.MapGroup("/collections/{slug}/records").WithTags("Records")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());

        records.MapGet("/", async (HttpContext http, RecordService service, string slug, int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(http.WorkspaceId(), slug, limit, cursor, ct)));

        records.MapPost("/", async Task<Results<Created<One<RecordView>>, StoredAnswerResult>> (
            HttpContext http, RecordService service, string slug, CancellationToken ct) =>
        {
            var key = IdempotencyKey.From(http.Request);
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            var created = await service.CreateAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, json, key, ct);
            if (created.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Id}", new One<RecordView>(created.Value));
        });

        records.MapGet("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
            TypedResults.Ok(new One<RecordView>(await service.GetAsync(http.WorkspaceId(), slug, RecordId(id), ct))));

        records.MapPut("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            return TypedResults.Ok(new One<RecordView>(await service.ReplaceAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), json, ct)));
        });

        records.MapPatch("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            var json = await RecordBody.ReadAsync(http.Request, service.MaxBytes, ct);
            return TypedResults.Ok(new One<RecordView>(await service.PatchAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), json, ct)));
        });

        records.MapDelete("/{id}", async (HttpContext http, RecordService service, string slug, string id, CancellationToken ct) =>
        {
            await service.DeleteAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, RecordId(id), ct);
            return TypedResults.NoContent();
        });

        return api;
    }

    /// <summary>An id that is not a GUID names no record: 404, like any unknown id.</summary>
    static Guid RecordId(string id) => Guid.TryParse(id, out var guid) ? guid : throw ServiceException.NotFound("Record");
}
