namespace Centrali.Console.Tests.Operations;

public sealed class ReadinessFacts
{
    [Fact]
    public async Task Ready_IsHealthyWithTheDatabaseTheJobServerAndNoBacklog()
    {
        await using var app = new ConsoleApp();
        using var client = app.Api(token: null);
        var response = await client.GetAsync("/healthz/ready");
        var body = await response.ReadJsonAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", (string?)body["status"]);
        foreach (var check in new[] { "database", "jobs", "backlog" })
            Assert.Equal("healthy", (string?)body["checks"]![check]!["status"]);
        Assert.Equal(0, (long?)body["checks"]!["backlog"]!["data"]!["due"]);
    }

    [Fact]
    public async Task Ready_TurnsDegradedWithTheFigure_WhenTheDispatcherStallsWithDueWork()
    {
        // A receiver that never answers holds the dispatcher's only slot: the second delivery stays due, unsent.
        var release = new TaskCompletionSource();
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = async (_, http) => await release.Task.WaitAsync(http.RequestAborted);
        await using var app = new ConsoleApp(new Dictionary<string, string?>
        {
            ["Health:MaxDueAge"] = "00:00:01",
            ["Webhooks:Concurrency"] = "1",
            ["Webhooks:Timeout"] = "00:01:00",
        });
        await app.SubscribeAsync(receiver.Url + "/hook");
        using var client = app.Api(token: null);

        await app.RecordEventAsync();
        await receiver.WaitForAsync(1);
        await app.RecordEventAsync();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        System.Text.Json.Nodes.JsonNode body;
        HttpResponseMessage response;
        do
        {
            await Task.Delay(200);
            response = await client.GetAsync("/healthz/ready");
            body = await response.ReadJsonAsync();
        } while ((string?)body["status"] != "degraded" && DateTime.UtcNow < deadline);

        Assert.Equal("degraded", (string?)body["status"]);
        // Degraded is still ready: the backlog is every instance's, so the load balancer keeps this one.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var backlog = body["checks"]!["backlog"]!;
        Assert.Equal("degraded", (string?)backlog["status"]);
        Assert.Equal(2, (long?)backlog["data"]!["due"]);
        // Over the 1 s allowed, shown to a tenth of a second.
        Assert.True((double?)backlog["data"]!["oldestDueSeconds"] >= 1);
        Assert.Contains("oldest due delivery", (string?)backlog["description"]);
        Assert.Single(receiver.Requests);
        release.SetResult();
    }
}
