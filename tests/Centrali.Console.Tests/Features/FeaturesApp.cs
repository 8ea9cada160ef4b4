namespace Centrali.Console.Tests.Features;

/// <summary>
/// One app for the per-subscription delivery features. The configured retries are ten minutes apart and circuits do not
/// open, so whatever retries within a test's wait follows the subscription's own policy. Each test subscribes its own
/// receiver to a collection of its own, so the tests never see each other's deliveries.
/// </summary>
public sealed class FeaturesApp : SharedApp
{
    public const string Collection = "delivery features";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(ConsoleApp.RetryEvery("00:10:00"))
    {
        ["Webhooks:JitterFraction"] = "0",
        ["Webhooks:CircuitBreaker:FailureThreshold"] = "100000",
    };

    public const string Base = "/data/workspace/default/api/v1/webhook-subscriptions";

    /// <summary>Creates a subscription through the API to the collection <paramref name="collection"/>, with extra fields.</summary>
    public async Task<ApiSubscription> SubscribeAsync(string url, string collection, object? extra = null)
    {
        var body = new JsonObject
        {
            ["name"] = collection,
            ["url"] = url,
            ["events"] = new JsonArray("record_created", "record_updated", "record_deleted"),
            ["recordSlugs"] = new JsonArray(collection),
        };
        if (extra is not null)
            foreach (var (k, v) in System.Text.Json.JsonSerializer.SerializeToNode(extra, System.Text.Json.JsonSerializerOptions.Web)!.AsObject())
                body[k] = v?.DeepClone();
        var response = await App.Api().PostRawAsync(Base, body.ToJsonString());
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.DataAsync<ApiSubscription>();
    }
}

[CollectionDefinition(FeaturesApp.Collection)]
public sealed class FeaturesCollection : ICollectionFixture<FeaturesApp>;

public static class FeatureEvents
{
    /// <summary>Committed record changes in one transaction (so one fan-out sees them together), as the record service writes them.</summary>
    public static async Task<List<WebhookEvent>> RecordEventsAsync(this ConsoleApp app, string collection,
        params (string Type, Guid RecordId, string Data)[] changes)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<Centrali.Console.Data.AppDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
        var workspace = await scope.ServiceProvider.GetRequiredService<Centrali.Console.Workspaces.WorkspaceService>().EnsureAsync("default");
        var events = new List<WebhookEvent>();
        foreach (var (type, id, data) in changes)
            events.Add(outbox.Add(db, workspace.Id, workspace.Slug, type, collection, id, data));
        await outbox.SaveAsync(db);
        return events;
    }
}

public static class FeatureReceipts
{
    /// <summary>
    /// The requests of one collection's deliveries: a port freed by an earlier test's receiver may be another's now, and
    /// what was still pending for the old one must not count.
    /// </summary>
    public static async Task<List<ReceivedRequest>> WaitForAsync(this Receiver receiver, string collection, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        List<ReceivedRequest> Of() => [.. receiver.Requests.Where(r => r.Text.Contains($"\"recordSlug\":\"{collection}\""))];
        while (Of().Count < count && DateTime.UtcNow < deadline) await Task.Delay(25);
        return Of();
    }
}
