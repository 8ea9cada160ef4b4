using System.Net;
using System.Text.Json.Nodes;
using Centrali.Console.Tests.Infrastructure;

namespace Centrali.Console.Tests.Features;

/// <summary>
/// One app for the per-subscription delivery features. The configured retries are ten minutes apart and circuits do not
/// open, so whatever retries within a test's wait follows the subscription's own policy. Each test subscribes its own
/// receiver to a collection of its own, so the tests never see each other's deliveries.
/// </summary>
public sealed class FeaturesApp : IAsyncLifetime
{
    public ConsoleApp App { get; } = new(new Dictionary<string, string?>
    {
        ["Webhooks:RetryDelays:0"] = "00:10:00",
        ["Webhooks:RetryDelays:1"] = "00:10:00",
        ["Webhooks:RetryDelays:2"] = "00:10:00",
        ["Webhooks:RetryDelays:3"] = "00:10:00",
        ["Webhooks:JitterFraction"] = "0",
        ["Webhooks:CircuitBreaker:FailureThreshold"] = "100000",
    });

    public const string Base = "/data/workspace/default/api/v1/webhook-subscriptions";

    /// <summary>Creates a subscription through the API to the collection <paramref name="collection"/>, with extra fields.</summary>
    public async Task<JsonNode> SubscribeAsync(string url, string collection, object? extra = null)
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
        return (await response.ReadJsonAsync())["data"]!;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await App.DisposeAsync();
}
