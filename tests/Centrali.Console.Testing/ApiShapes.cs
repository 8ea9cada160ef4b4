using System.Net.Http.Json;
using System.Text.Json;

namespace Centrali.Console.Testing;

// The API's JSON as a client reads it, written from the public contract rather than taken from the app's own types, and
// read strictly (see ApiShapes.Options): a field renamed, gone or null where it may not be fails the test that reads it
// instead of changing on both sides. Fields with a default may be left out of an answer. A field a record does not list
// is simply not read; a test that asserts a field is absent, or present and null, reads the JSON itself.

/// <summary>A single object: {"data": …}.</summary>
public sealed record ApiOne<T>(T Data);

/// <summary>A list: {"data": […], "nextCursor": …}, with "total" where it was asked for (and "totalCapped" where more match than it counts).</summary>
public sealed record ApiList<T>(IReadOnlyList<T> Data, string? NextCursor, int? Total = null, bool? TotalCapped = null);

/// <summary>RFC 7807 problem+json; <see cref="Errors"/> names each bad field.</summary>
public sealed record ApiProblem(string? Type = null, string? Title = null, int? Status = null, string? Detail = null, IReadOnlyDictionary<string, string[]>? Errors = null);

public sealed record ApiSubscription(
    Guid Id,
    string Name,
    string Url,
    IReadOnlyList<string> Events,
    IReadOnlyList<string> RecordSlugs,
    string Status,
    string SignatureHeader,
    string Algorithm,
    string Encoding,
    string SignaturePrefix,
    string SecretHint,
    DateTime? PreviousSecretExpiresAt,
    string? Filter,
    IReadOnlyList<string>? RetryDelays,
    int? Timeout,
    string Ordering,
    int? RateLimit,
    double? EffectiveRate,
    DateTime? ThrottledAt,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyDictionary<string, string> SecretHeaders,
    string SignatureScheme,
    string? PublicKey,
    string? PreviousPublicKey,
    string Circuit,
    DateTime? CircuitOpenUntil,
    string PayloadFormat,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    string? Secret = null); // only in the answers to create and rotate

public sealed record ApiAttempt(int Number, DateTime StartedAt, int DurationMs, int? StatusCode, string? Error, string? ResponseBody,
    IReadOnlyDictionary<string, string>? ResponseHeaders, IReadOnlyDictionary<string, string>? RequestHeaders);

public sealed record ApiDelivery(
    Guid Id,
    Guid SubscriptionId,
    Guid EventId,
    string Event,
    string RecordSlug,
    Guid? RecordId,
    string Status,
    int AttemptCount,
    int MaxAttempts,
    DateTime? NextAttemptAt,
    int? LastStatusCode,
    string? LastError,
    Guid? ReplayedFrom,
    JsonElement Payload,
    DateTime CreatedAt,
    DateTime? CompletedAt,
    bool WaitingOnCircuit,
    string PayloadFormat,
    IReadOnlyList<ApiAttempt>? Attempts = null, // this and the rest only in the single read
    int? DurationMs = null,
    IReadOnlyList<Guid>? Replays = null,
    string? PayloadNote = null);

/// <summary>One event: the body its deliveries send, and (in the single read) the deliveries it became; in a record's list, their statuses.</summary>
public sealed record ApiEvent(Guid Id, string Event, string RecordSlug, Guid? RecordId, DateTime CreatedAt, JsonElement Payload,
    IReadOnlyList<ApiDelivery>? Deliveries = null, IReadOnlyDictionary<string, int>? Statuses = null);

/// <summary>How many failed deliveries a recover replayed.</summary>
public sealed record ApiRecovered(int Count);

/// <summary>What a bulk replay or cancel did.</summary>
public sealed record ApiBulkResult(string Action, int Matched, int Done, int Skipped);

public sealed record ApiCollection(Guid Id, string Slug, string Name, string? Description, int RecordCount, DateTime CreatedAt, DateTime UpdatedAt);

public sealed record ApiRecord(Guid Id, string Collection, JsonElement Data, DateTime CreatedAt, DateTime UpdatedAt);

public static class ApiShapes
{
    /// <summary>The "data" of a single-object answer.</summary>
    public static async Task<T> DataAsync<T>(this HttpResponseMessage response) =>
        (await ReadAsync<ApiOne<T>>(response)).Data;

    /// <summary>A list answer: its page of "data", "nextCursor" and "total".</summary>
    public static Task<ApiList<T>> ListAsync<T>(this HttpResponseMessage response) => ReadAsync<ApiList<T>>(response);

    public static Task<ApiProblem> ProblemAsync(this HttpResponseMessage response) => ReadAsync<ApiProblem>(response);

    /// <summary>The API's casing; every constructor parameter without a default must be there, and null only where its type allows.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Reads a whole JSON text (a body, a hub message) as <typeparamref name="T"/>, strictly.</summary>
    public static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidOperationException("the JSON is null");

    static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonSerializer.Deserialize<T>(body, Options)
                   ?? throw new InvalidOperationException($"{(int)response.StatusCode} answered null");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} {body} is not a {typeof(T).Name}: {e.Message}", e);
        }
    }

    /// <summary>GETs <paramref name="url"/> and reads the "data" of the answer.</summary>
    public static async Task<T> GetDataAsync<T>(this HttpClient client, string url) =>
        await (await client.GetAsync(url)).DataAsync<T>();

    /// <summary>GETs <paramref name="url"/> and reads the list it answers.</summary>
    public static async Task<ApiList<T>> GetListAsync<T>(this HttpClient client, string url) =>
        await (await client.GetAsync(url)).ListAsync<T>();

    /// <summary>Sends <paramref name="body"/> as JSON (web casing) and answers the response as it came.</summary>
    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string url, object body) =>
        client.PatchAsJsonAsync(url, body, JsonSerializerOptions.Web);
}
