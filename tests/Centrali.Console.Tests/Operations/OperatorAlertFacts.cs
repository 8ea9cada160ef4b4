using Centrali.Console.Operations.Alerts;
using Centrali.Console.Webhooks.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace Centrali.Console.Tests.Operations;

public sealed class OperatorAlertFacts
{
    const string Base = "/data/workspace/default/api/v1";

    static async Task<string> SetOperatorWebhookAsync(HttpClient api, string url)
    {
        var response = await api.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{Base}/settings") { Content = JsonContent(new { operatorWebhookUrl = url }) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = (await response.ReadJsonAsync())["data"]!;
        Assert.Equal(url, (string?)data["operatorWebhookUrl"]);
        var secret = (string)data["operatorWebhookSecret"]!;
        Assert.StartsWith("whsec_", secret);
        // Answered once: a read shows only the hint.
        var read = (await (await api.GetAsync($"{Base}/settings")).ReadJsonAsync())["data"]!;
        Assert.Null(read["operatorWebhookSecret"]);
        Assert.Equal("whsec_…" + secret[^4..], (string?)read["operatorWebhookSecretHint"]);
        return secret;
    }

    static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    static void AssertSigned(ReceivedRequest r, string secret)
    {
        Assert.Equal(WebhookSetup.Hmac("sha256", secret, r.Body, hex: false), r.Header("X-Signature"));
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(r, secret), "the Standard Webhooks signature does not verify");
    }

    [Fact]
    public async Task FailingExhaustedAndRecovered_ReachTheOperatorWebhook_Signed_AndTheBell()
    {
        await using var endpoint = await Receiver.StartAsync();
        var failing = true;
        endpoint.Respond = (_, http) => { http.Response.StatusCode = failing ? 500 : 200; return Task.CompletedTask; };
        await using var operatorHook = await Receiver.StartAsync();
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:FailingAfter"] = "3", ["Webhooks:CircuitBreaker:FailureThreshold"] = "50" });
        using var api = app.Api();
        var secret = await SetOperatorWebhookAsync(api, operatorHook.Url + "/ops");
        var sub = await app.SubscribeAsync(endpoint.Url + "/hook");

        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(all => all.Count == 1 && all[0].Status == DeliveryStatus.Failed);
        var first = await operatorHook.WaitForAsync(2);
        failing = false;
        await app.RecordEventAsync();
        var all = await operatorHook.WaitForAsync(3);

        var types = all.Select(r => (string?)JsonNode.Parse(r.Text)!["type"]).ToList();
        // The first two are jobs of their own, sent in either order; "recovered" only after both had arrived.
        Assert.Equal(new[] { OperationalEvents.DeliveryExhausted, OperationalEvents.SubscriptionFailing }.Order(), types.Take(2).Order());
        Assert.Equal(OperationalEvents.SubscriptionRecovered, types[2]);
        foreach (var r in all)
        {
            AssertSigned(r, secret);
            Assert.Equal("/ops", r.Path);
            var body = JsonNode.Parse(r.Text)!;
            Assert.Equal("default", (string?)body["workspaceSlug"]);
            Assert.Equal(sub.Id.ToString(), (string?)body["data"]!["subscriptionId"]);
            Assert.Equal(r.Header("webhook-id"), r.Header("X-Centrali-Event-Id"));
        }
        JsonNode Of(string type) => JsonNode.Parse(all[types.IndexOf(type)].Text)!;
        Assert.Equal(3, (int?)Of(OperationalEvents.SubscriptionFailing)["data"]!["consecutiveFailures"]);
        Assert.Equal("HTTP 500 Internal Server Error", (string?)Of(OperationalEvents.DeliveryExhausted)["data"]!["lastError"]);

        var workspace = await app.Service<WorkspaceService>().EnsureAsync("default");
        var service = app.Service<OperatorService>();
        Assert.Equal(3, await service.UnreadAsync(workspace.Id));
        var health = await app.Service<EndpointHealthService>().HealthAsync(workspace.Id, sub.Id);
        Assert.Equal(6, health.Attempts24h);
        Assert.Equal(100.0 / 6, health.SuccessRate24h!.Value, 3);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.NotNull(health.P95Ms);
        // The same calculation behind the subscription's page and its API: the same attempts and latencies, and by delivery 1 of 2 succeeded.
        var day = (await (await api.GetAsync($"{Base}/webhook-subscriptions/{sub.Id}/health")).ReadJsonAsync())["data"]!;
        Assert.Equal(6, (int)day["attempts"]!);
        Assert.Equal(1.0 / 6, (double)day["attemptSuccessRate"]!, 3);
        Assert.Equal(0.5, (double)day["successRate"]!, 3);
        Assert.Equal(health.P50Ms, (int?)day["p50Ms"]);
        Assert.Equal(health.P95Ms, (int?)day["p95Ms"]);
        // Operational webhooks are not deliveries: none was added for the operator URL, so none can cause another event.
        Assert.Equal(2, (await app.DeliveriesAsync()).Count);
        await service.MarkAllReadAsync(workspace.Id);
        Assert.Equal(0, await service.UnreadAsync(workspace.Id));
    }

    [Fact]
    public async Task FailingContinuouslyForDisableAfter_SetsTheSubscriptionInactive_AndTellsTheOperator()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var operatorHook = await Receiver.StartAsync();
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:FailingAfter"] = "2", ["Webhooks:DisableAfter"] = "5.00:00:00" },
            services: s => s.AddSingleton<TimeProvider>(clock));
        using var api = app.Api();
        var secret = await SetOperatorWebhookAsync(api, operatorHook.Url + "/ops");
        var sub = await app.SubscribeAsync("http://127.0.0.1:9/hook");
        var workspace = await app.Service<WorkspaceService>().EnsureAsync("default");
        var health = app.Service<EndpointHealthService>();
        AttemptOutcome Failed() => new(workspace.Id, sub.Id, Guid.CreateVersion7(), "record_created", false, DeliveryStatus.Pending, clock.GetUtcNow().UtcDateTime, "HTTP 503 Service Unavailable");

        await health.AttemptsRecordedAsync([Failed()]);
        clock.Advance(TimeSpan.FromDays(2));
        await health.AttemptsRecordedAsync([Failed()]);
        clock.Advance(TimeSpan.FromDays(2.9));
        await health.AttemptsRecordedAsync([Failed()]);
        Assert.Equal(SubscriptionStatus.Active, await StatusAsync(app, sub.Id));

        clock.Advance(TimeSpan.FromHours(3));
        await health.AttemptsRecordedAsync([Failed()]);
        Assert.Equal(SubscriptionStatus.Inactive, await StatusAsync(app, sub.Id));
        await using (var scope = app.Scope())
            Assert.Contains("Failed continuously since", (await scope.ServiceProvider.GetRequiredService<AppDbContext>().Subscriptions.SingleAsync(s => s.Id == sub.Id)).DisabledReason);

        var received = await operatorHook.WaitForAsync(2);
        // Each notification is its own job: job-server workers may send them in either order.
        Assert.Equal(new[] { OperationalEvents.SubscriptionDisabled, OperationalEvents.SubscriptionFailing }.Order(),
            received.Select(r => (string?)JsonNode.Parse(r.Text)!["type"]).Order());
        foreach (var r in received) AssertSigned(r, secret);
        // Already inactive: later failures do not disable it again.
        await health.AttemptsRecordedAsync([Failed()]);
        await Task.Delay(500);
        Assert.Equal(2, operatorHook.Requests.Count);
    }

    static async Task<string> StatusAsync(ConsoleApp app, Guid id)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Subscriptions.Where(s => s.Id == id).Select(s => s.Status).SingleAsync();
    }

    [Fact]
    public async Task Settings_RefuseABadUrl_AndRemovingTheUrlRemovesTheSecret()
    {
        await using var app = new ConsoleApp();
        using var api = app.Api();
        var bad = await api.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{Base}/settings") { Content = JsonContent(new { operatorWebhookUrl = "ftp://x" }) });
        await Records.RecordApi.AssertProblemAsync(bad, HttpStatusCode.BadRequest, "operatorWebhookUrl");
        await SetOperatorWebhookAsync(api, "http://127.0.0.1:9/ops");
        var removed = await api.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{Base}/settings") { Content = JsonContent(new { operatorWebhookUrl = "" }) });
        var data = (await removed.ReadJsonAsync())["data"]!;
        Assert.Null((string?)data["operatorWebhookUrl"]);
        Assert.Null((string?)data["operatorWebhookSecretHint"]);
    }
}
