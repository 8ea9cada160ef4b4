using System.Net.Http.Headers;
using Centrali.Console.Tests.Records;
using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Operations;

public sealed class MetricsFacts
{
    const string MetricsToken = "metrics-test-token-0123456789";

    static ConsoleApp App(IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?> { ["Metrics:Token"] = MetricsToken };
        foreach (var (k, v) in more ?? new Dictionary<string, string?>()) settings[k] = v;
        return new ConsoleApp(settings);
    }

    static async Task<Scrape> ScrapeAsync(ConsoleApp app)
    {
        using var client = app.Api(token: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", MetricsToken);
        using var response = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Scrapes until the condition holds (the exporter caches its answer for a moment), then returns that scrape.</summary>
    static async Task<Scrape> ScrapeUntilAsync(ConsoleApp app, Func<Scrape, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var scrape = await ScrapeAsync(app);
            if (done(scrape) || DateTime.UtcNow > deadline) return scrape;
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Scrape_CountsAttemptsDeliveriesDurationsEventsAndRecordWrites()
    {
        await using var ok = await Receiver.StartAsync();
        await using var failing = await Receiver.StartAsync();
        failing.Respond = (_, http) => { http.Response.StatusCode = 500; return Task.CompletedTask; };
        await using var app = App();
        using var api = app.Api();
        var workspace = (await app.Service<WorkspaceService>().EnsureAsync("default")).Id.ToString();
        await api.CreateCollectionAsync("orders");
        await app.SubscribeAsync(ok.Url + "/hook", collectionSlugs: "orders");
        await app.SubscribeAsync(failing.Url + "/hook", collectionSlugs: "orders", events: "record_deleted");
        var before = await ScrapeAsync(app);
        var w = ("workspace", workspace);

        var first = await api.CreateRecordAsync("orders", """{"total":1}""");
        await api.CreateRecordAsync("orders", """{"total":2}""");
        Assert.Equal(HttpStatusCode.OK, (await api.SendRawAsync(HttpMethod.Patch, $"{RecordApi.Base}/collections/orders/records/{first.Id}", """{"total":3}""")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{RecordApi.Base}/collections/orders/records/{first.Id}")).StatusCode);
        // 4 events: 4 deliveries to the good receiver, and the delete's to the failing one (5 attempts, then failed).
        var maxAttempts = (await app.WaitForDeliveriesAsync(all => all.Count == 5 && all.All(d => d.Status != DeliveryStatus.Pending))).Max(d => d.MaxAttempts);
        Assert.Equal(5, maxAttempts);

        var after = await ScrapeUntilAsync(app, s => s.Sum("centrali_deliveries_total", w) - before.Sum("centrali_deliveries_total", w) >= 5);
        double Delta(string metric, params (string, string)[] labels) => after.Sum(metric, labels) - before.Sum(metric, labels);

        Assert.Equal(4, Delta("centrali_delivery_attempts_total", w, ("outcome", "succeeded")));
        Assert.Equal(4, Delta("centrali_delivery_attempts_total", w, ("outcome", "retrying")));
        Assert.Equal(1, Delta("centrali_delivery_attempts_total", w, ("outcome", "failed")));
        Assert.Equal(4, Delta("centrali_deliveries_total", w, ("outcome", "succeeded")));
        Assert.Equal(1, Delta("centrali_deliveries_total", w, ("outcome", "failed")));
        Assert.Equal(9, Delta("centrali_delivery_attempt_duration_seconds_count", w));
        Assert.True(Delta("centrali_delivery_attempt_duration_seconds_sum", w) > 0);
        // Every attempt to a loopback receiver answers within 5 s: the 5 s bucket holds them all.
        Assert.Equal(9, Delta("centrali_delivery_attempt_duration_seconds_bucket", w, ("le", "5")));
        Assert.Equal(4, Delta("centrali_events_written_total"));
        Assert.Equal(2, Delta("centrali_record_writes_total", ("operation", "create")));
        Assert.Equal(1, Delta("centrali_record_writes_total", ("operation", "update")));
        Assert.Equal(1, Delta("centrali_record_writes_total", ("operation", "delete")));
        // ASP.NET Core and HttpClient instrumentation, and the gauges read from the database and Hangfire.
        Assert.True(after.Has("http_server_request_duration_seconds_count"));
        Assert.True(after.Has("http_client_request_duration_seconds_count"));
        foreach (var gauge in new[] { "centrali_deliveries_due", "centrali_deliveries_due_oldest_age_seconds", "centrali_deliveries_waiting_on_circuit",
                     "centrali_circuits_open", "centrali_jobs_enqueued", "centrali_jobs_processing", "centrali_jobs_failed" })
            Assert.True(after.Has(gauge), gauge + " is missing:\n" + after.Text);
    }

    [Fact]
    public async Task Gauges_ShowTheDueBacklogAndOpenCircuits()
    {
        await using var app = App(new Dictionary<string, string?> { ["Webhooks:CircuitBreaker:FailureThreshold"] = "1", ["Webhooks:CircuitBreaker:BreakDuration"] = "00:10:00" });
        // Nothing listens on this port: each attempt fails at once, and the first opens the circuit.
        var dead = $"http://127.0.0.1:{AppProcess.FreePort()}/hook";
        await app.SubscribeAsync(dead);
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(all => all.Count == 1 && all[0].LastError?.StartsWith("Waiting") == true, TimeSpan.FromSeconds(30));
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(all => all.Count == 2 && all.All(d => d.LastError?.StartsWith("Waiting") == true || d.AttemptCount > 0));

        var scrape = await ScrapeUntilAsync(app, s => s.Sum("centrali_deliveries_waiting_on_circuit") == 2);
        Assert.Equal(1, scrape.Sum("centrali_circuits_open"));
        Assert.Equal(2, scrape.Sum("centrali_deliveries_waiting_on_circuit"));
        // Both wait for the circuit, ten minutes from now: neither is due.
        Assert.Equal(0, scrape.Sum("centrali_deliveries_due"));
    }

    [Fact]
    public async Task Metrics_NeedAnAdminOrTheToken_UnlessPublic()
    {
        await using (var app = App())
        {
            using var anonymous = app.Api(token: null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
            using var apiToken = app.Api();
            Assert.Equal(HttpStatusCode.Unauthorized, (await apiToken.GetAsync("/metrics")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await app.Api(MetricsToken).GetAsync("/metrics")).StatusCode);
            var (admin, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
            var page = await admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.StartsWith("text/plain", page.Content.Headers.ContentType?.ToString());
        }
        await using (var open = App(new Dictionary<string, string?> { ["Metrics:Public"] = "true" }))
        {
            using var anonymous = open.Api(token: null);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
        }
    }
}
