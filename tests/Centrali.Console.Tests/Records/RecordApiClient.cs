namespace Centrali.Console.Tests.Records;

/// <summary>Short calls for the collections and records API of one workspace.</summary>
public static class RecordApi
{
    public const string Base = "/data/workspace/default/api/v1";

    public static async Task<ApiCollection> CreateCollectionAsync(this HttpClient api, string slug, string? name = null, string workspace = "default")
    {
        var response = await api.PostJsonAsync($"/data/workspace/{workspace}/api/v1/collections", new { name = name ?? slug, slug });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.DataAsync<ApiCollection>();
    }

    public static async Task<ApiRecord> CreateRecordAsync(this HttpClient api, string collection, string json, string workspace = "default")
    {
        var response = await api.PostRawAsync($"/data/workspace/{workspace}/api/v1/collections/{collection}/records", json);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.DataAsync<ApiRecord>();
    }

    public static Task<HttpResponseMessage> SendRawAsync(this HttpClient api, HttpMethod method, string url, string json) =>
        api.SendAsync(new HttpRequestMessage(method, url) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });

    public static async Task<List<WebhookEvent>> EventsAsync(this ConsoleApp app)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.Events.AsNoTracking().OrderBy(e => e.Id).ToListAsync();
    }

    public static JsonNode Body(this WebhookEvent e) => JsonNode.Parse(e.Body)!;

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ProblemAsync();
        Assert.Equal((int)status, problem.Status);
        if (field is not null) Assert.NotNull(problem.Errors?.GetValueOrDefault(field));
    }
}
