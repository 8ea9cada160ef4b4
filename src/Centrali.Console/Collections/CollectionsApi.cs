using System.Text.Json;
using Centrali.Console.Api;
using Centrali.Console.Records;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Centrali.Console.Collections;

public static class CollectionsApi
{
    public static RouteGroupBuilder MapCollectionsApi(this RouteGroupBuilder api)
    {
        var collections = api.MapGroup("/collections").WithTags("Collections");

        collections.MapGet("/", async (HttpContext http, CollectionService service, int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(http.WorkspaceId(), limit, cursor, ct)));

        collections.MapPost("/", async Task<Results<Created<One<CollectionView>>, StoredAnswerResult>> (
            HttpContext http, CollectionService service, IOptions<RecordOptions> limits, CancellationToken ct) =>
        {
            var key = IdempotencyKey.From(http.Request);
            var input = ReadInput(await RecordBody.ReadAsync(http.Request, limits.Value.MaxBytes, ct));
            var created = await service.CreateAsync(http.WorkspaceId(), input, key, ct);
            if (created.Replay is { } replay) return new StoredAnswerResult(replay);
            return TypedResults.Created($"{http.Request.Path.Value!.TrimEnd('/')}/{created.Value!.Slug}", new One<CollectionView>(created.Value));
        });

        collections.MapGet("/{slug}", async (HttpContext http, CollectionService service, string slug, CancellationToken ct) =>
            TypedResults.Ok(new One<CollectionView>(await service.GetAsync(http.WorkspaceId(), slug, ct))));

        collections.MapPut("/{slug}", async (HttpContext http, CollectionService service, IOptions<RecordOptions> limits, string slug, CancellationToken ct) =>
        {
            var input = ReadInput(await RecordBody.ReadAsync(http.Request, limits.Value.MaxBytes, ct));
            return TypedResults.Ok(new One<CollectionView>(await service.UpdateAsync(http.WorkspaceId(), slug, input, ct)));
        });

        collections.MapDelete("/{slug}", async (HttpContext http, CollectionService service, string slug, bool? force, CancellationToken ct) =>
        {
            await service.DeleteAsync(http.WorkspaceId(), http.WorkspaceSlug(), slug, force == true, ct);
            return TypedResults.NoContent();
        });

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
public sealed class StoredAnswerResult(StoredAnswer answer) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = answer.Status;
        if (answer.Location is { } location) http.Response.Headers.Location = location;
        http.Response.Headers["Idempotent-Replayed"] = "true";
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(answer.Body);
    }
}
