using Centrali.Console.Api;
using Centrali.Console.Records;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Collections;

public static class CollectionsApi
{
    public static IServiceCollection AddCollections(this IServiceCollection services) => services.AddScoped<CollectionService>();

    public static RouteGroupBuilder MapCollectionsApi(this RouteGroupBuilder api)
    {
        var collections = api.MapGroup("/collections").WithTags("Collections");

        collections.MapGet("/", async (HttpContext http, CollectionService service, int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(http.WorkspaceId(), limit, cursor, ct)))
            .Doc("List collections", "The workspace's collections with their record counts, a page at a time (`limit`, `cursor`).",
                errors: [400], response: """{"data":[{"id":"0193a7f0-1c2d-7e3f-8a9b-0c1d2e3f4a5b","slug":"orders","name":"Orders","description":"Web shop orders","recordCount":42,"createdAt":"2026-12-01T09:00:00Z","updatedAt":"2026-12-01T09:00:00Z"}],"nextCursor":null}""");

        collections.MapPost("/", async Task<Results<Created<One<CollectionView>>, StoredAnswerResult>> (
            HttpContext http, CollectionService service, IOptions<RecordOptions> limits, CancellationToken ct) =>
        {
            var key = IdempotencyKey.From(http.Request);
            var input = ReadInput(await RecordBody.ReadAsync(http.Request, limits.Value.MaxBytes, ct));
            var created = await service.CreateAsync(http.WorkspaceId(), input, key, ct);
            if (created.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Slug}", new One<CollectionView>(created.Value));
        }).Accepts<CollectionInput>("application/json")
        .Doc("Create a collection", "Creates a collection. `name` and `slug` (`^[a-z0-9][a-z0-9-_]{0,62}$`, unique in the workspace) are required; `description` is optional. A slug already taken answers 409. Honours `Idempotency-Key`.",
            errors: [400, 409, 413], request: """{"name":"Orders","slug":"orders","description":"Web shop orders"}""", response: """{"data":{"id":"0193a7f0-1c2d-7e3f-8a9b-0c1d2e3f4a5b","slug":"orders","name":"Orders","description":"Web shop orders","recordCount":0,"createdAt":"2026-12-01T09:00:00Z","updatedAt":"2026-12-01T09:00:00Z"}}""");

        collections.MapGet("/{slug}", async (HttpContext http, CollectionService service, string slug, CancellationToken ct) =>
            TypedResults.Ok(new One<CollectionView>(await service.GetAsync(http.WorkspaceId(), slug, ct))))
            .Doc("Read a collection", "One collection by its slug.", response: """{"data":{"id":"0193a7f0-1c2d-7e3f-8a9b-0c1d2e3f4a5b","slug":"orders","name":"Orders","description":"Web shop orders","recordCount":42,"createdAt":"2026-12-01T09:00:00Z","updatedAt":"2026-12-01T09:00:00Z"}}""");

        collections.MapPut("/{slug}", async (HttpContext http, CollectionService service, IOptions<RecordOptions> limits, string slug, CancellationToken ct) =>
        {
            var input = ReadInput(await RecordBody.ReadAsync(http.Request, limits.Value.MaxBytes, ct));
            return TypedResults.Ok(new One<CollectionView>(await service.UpdateAsync(http.WorkspaceId(), slug, input, ct)));
        }).Accepts<CollectionInput>("application/json")
        .Doc("Rename a collection", "Changes the name and description; the slug never changes (receivers and scripts depend on it).",
            errors: [400, 413], request: """{"name":"Shop orders","description":"Orders from the web shop"}""", response: """{"data":{"id":"0193a7f0-1c2d-7e3f-8a9b-0c1d2e3f4a5b","slug":"orders","name":"Shop orders","description":"Orders from the web shop","recordCount":42,"createdAt":"2026-12-01T09:00:00Z","updatedAt":"2026-12-01T09:00:00Z"}}""");

        collections.MapDelete("/{slug}", async (HttpContext http, CollectionService service, string slug, bool? force, CancellationToken ct) =>
        {
            await service.DeleteAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, force == true, ct);
            return TypedResults.NoContent();
        }).Doc("Delete a collection", "Deletes an empty collection (204). One that still has records answers 409 unless `?force=true`, which deletes its records too, each with its `record_deleted` event.",
            errors: [409]);

        return api;
    }

    /// <summary>The create/update body; read here rather than bound, so bad JSON answers problem+json naming the field.</summary>
    static CollectionInput ReadInput(string json)
    {
        var body = RecordBody.ParseObject(json, field: "body");
        var errors = new Dictionary<string, string[]>();
        string? Text(string field)
        {
            var node = body[field];
            if (node is null) return null;
            if (node.GetValueKind() == JsonValueKind.String) return node.GetValue<string>();
            errors[field] = [$"{field} must be a string."];
            return null;
        }
        var input = new CollectionInput(Text("name"), Text("slug"), Text("description"));
        if (errors.Count > 0) throw ServiceException.Invalid(errors);
        return input;
    }
}

/// <summary>Answers a repeated Idempotency-Key with the first answer: same status, same body, same Location.</summary>
