using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Dispatch;
using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Deliveries;

public sealed class DeliveryFacts
{
    const string Base = "/data/workspace/default/api/v1";

    [Fact]
    public async Task Attempt_IsSignedAsTheSeedsReceiversAndStandardWebhooksVerify()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url + "/hook");
        var e = await app.RecordEventAsync(data: """{"orderNumber":"ORD-1045","total":210}""");

        var request = (await receiver.WaitForAsync(1)).Single();

        // The Node receiver of the seed: createHmac('sha256', secret).update(rawBody).digest('base64').
        Assert.Equal(WebhookSetup.Hmac("sha256", sub.Secret, request.Body, hex: false), request.Header("X-Signature"));
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(request, sub.Secret));
        Assert.Equal(e.Body, request.Body);
        Assert.Equal("application/json", request.Header("content-type"));
        Assert.Equal("Centrali-Webhooks/1.0", request.Header("user-agent"));
        Assert.Equal("record_created", request.Header("X-Centrali-Event"));
        Assert.Equal(e.Id.ToString(), request.Header("X-Centrali-Event-Id"));
        Assert.Equal(e.Id.ToString(), request.Header("webhook-id"));
        var body = JsonNode.Parse(request.Text)!;
        Assert.Equal("record_created", (string?)body["event"]);
        Assert.Equal("default", (string?)body["workspaceSlug"]);
        Assert.Equal("orders", (string?)body["recordSlug"]);
        Assert.Equal("ORD-1045", (string?)body["data"]!["orderNumber"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)body["timestamp"]);

        var delivery = (await app.WaitForDeliveriesAsync(all => all.All(d => d.Status == DeliveryStatus.Succeeded))).Single();
        Assert.Equal(request.Header("X-Centrali-Delivery-Id"), delivery.Id.ToString());
        Assert.Equal(1, delivery.AttemptCount);
        Assert.Equal(200, delivery.LastStatusCode);
    }

    [Fact]
    public async Task Attempt_UsesTheOlderGuidesHexForm_WhenConfigured()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url, header: "X-Centrali-Signature", encoding: "hex", prefix: "sha256=");
        await app.RecordEventAsync();

        var request = (await receiver.WaitForAsync(1)).Single();
        Assert.Equal("sha256=" + WebhookSetup.Hmac("sha256", sub.Secret, request.Body, hex: true), request.Header("X-Centrali-Signature"));
        Assert.Equal("", request.Header("X-Signature"));
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(request, sub.Secret));
    }

    [Fact]
    public async Task FanOut_MakesOneDeliveryPerMatchingActiveSubscription()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var all = await app.SubscribeAsync(receiver.Url + "/all");
        var orders = await app.SubscribeAsync(receiver.Url + "/orders", collectionSlugs: "orders");
        await app.SubscribeAsync(receiver.Url + "/users", collectionSlugs: "users");
        await app.SubscribeAsync(receiver.Url + "/deleted", events: "record_deleted");
        await app.SubscribeAsync(receiver.Url + "/inactive", status: "inactive");

        await app.RecordEventAsync("orders");

        var deliveries = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        Assert.Equal([all.Id, orders.Id], deliveries.Select(d => d.SubscriptionId).Order());
        Assert.Equal(["/all", "/orders"], (await receiver.WaitForAsync(2)).Select(r => r.Path).Order());
    }

    [Fact]
    public async Task Receiver500_GetsExactlyMaxAttempts_AtTheScheduledGaps_ThenFailed()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) => { http.Response.StatusCode = 500; return http.Response.WriteAsync("boom"); };
        await using var app = new ConsoleApp();
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Failed)).Single();

        Assert.Equal(5, delivery.MaxAttempts);
        Assert.Equal(5, delivery.AttemptCount);
        Assert.Equal(5, receiver.Requests.Count);
        Assert.Equal(500, delivery.LastStatusCode);
        Assert.Contains("500", delivery.LastError);
        Assert.Null(delivery.NextAttemptAt);
        var starts = delivery.Attempts.OrderBy(a => a.Number).Select(a => a.StartedAt).ToList();
        Assert.Equal([1, 2, 3, 4, 5], delivery.Attempts.Select(a => a.Number).Order());
        // Configured delay 1 s with jitter 0.1: never earlier than 0.9 s after the previous attempt.
        for (var i = 1; i < starts.Count; i++)
            Assert.InRange((starts[i] - starts[i - 1]).TotalSeconds, 0.9, 5);
        Assert.All(delivery.Attempts, a => Assert.Equal("boom", a.ResponseBody));
    }

    [Fact]
    public async Task Timeout_FailsTheAttempt()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = async (_, http) => { await Task.Delay(3000); await http.Response.WriteAsync("late"); };
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:Timeout"] = "00:00:00.500" });
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().AttemptCount >= 1)).Single();
        var attempt = delivery.Attempts.Single(a => a.Number == 1);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("Timed out", attempt.Error);
    }

    [Fact]
    public async Task RefusedConnection_FailsTheAttempt()
    {
        int port;
        using (var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0)) { l.Start(); port = ((IPEndPoint)l.LocalEndpoint).Port; }
        await using var app = new ConsoleApp();
        await app.SubscribeAsync($"http://127.0.0.1:{port}/nobody");
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().AttemptCount >= 1)).Single();
        Assert.Contains("refused", delivery.Attempts.First().Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Redirect_IsNotFollowed_AndFailsTheAttempt()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (r, http) =>
        {
            if (r.Path == "/moved") { http.Response.StatusCode = 302; http.Response.Headers.Location = "/elsewhere"; }
            return Task.CompletedTask;
        };
        await using var app = new ConsoleApp();
        await app.SubscribeAsync(receiver.Url + "/moved");
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().AttemptCount >= 1)).Single();
        Assert.Equal(302, delivery.Attempts.First().StatusCode);
        Assert.Contains("not followed", delivery.Attempts.First().Error);
        Assert.DoesNotContain(receiver.Requests, r => r.Path == "/elsewhere");
    }

    [Fact]
    public async Task HugeResponse_IsTruncatedInTheLog()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) => http.Response.Body.WriteAsync(new byte[10 * 1024 * 1024].Select(_ => (byte)'x').ToArray()).AsTask();
        await using var app = new ConsoleApp();
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Succeeded)).Single();
        Assert.Equal(4096, delivery.Attempts.Single().ResponseBody!.Length);
    }

    [Fact]
    public async Task ResponseWithNulBytesAndInvalidUtf8_IsRecorded_AndTheDeliveryEnds()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) =>
        {
            http.Response.Headers["X-Odd"] = "a b";
            return http.Response.Body.WriteAsync(new byte[] { (byte)'o', 0, (byte)'k', 0xC3, 0x28, 0xFF }).AsTask();
        };
        await using var app = new ConsoleApp();
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Succeeded)).Single();
        var body = delivery.Attempts.Single().ResponseBody!;
        Assert.StartsWith("o", body);
        Assert.Contains("k", body);
        await Task.Delay(500);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task TooManyRequests_WithRetryAfter_WaitsThatLongWithinTwiceTheDelay()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) =>
        {
            http.Response.StatusCode = receiver.Requests.Count == 1 ? 429 : 200;
            http.Response.Headers.RetryAfter = "60";
            return Task.CompletedTask;
        };
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:RetryDelays:0"] = "00:00:01.5" });
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Succeeded)).Single();
        var attempts = delivery.Attempts.OrderBy(a => a.Number).ToList();
        Assert.Equal(429, attempts[0].StatusCode);
        // Retry-After 60 s is clamped to 2 × 1.5 s.
        Assert.InRange((attempts[1].StartedAt - attempts[0].StartedAt).TotalSeconds, 2.9, 6);
    }

    [Fact]
    public async Task Gone_EndsTheDelivery_AndSetsTheSubscriptionInactive()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) => { http.Response.StatusCode = 410; return Task.CompletedTask; };
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Failed)).Single();
        Assert.Equal(1, delivery.AttemptCount);
        await using var scope = app.Scope();
        var stored = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Subscriptions.SingleAsync(s => s.Id == sub.Id);
        Assert.Equal("inactive", stored.Status);
        Assert.Contains("410", stored.DisabledReason);

        await app.RecordEventAsync();
        await Task.Delay(300);
        Assert.Single(await app.DeliveriesAsync());
    }

    [Fact]
    public async Task OpenCircuit_MakesDueDeliveriesWaitWithoutSpendingAttempts_ThenTheyResume()
    {
        await using var receiver = await Receiver.StartAsync();
        var healthy = false;
        receiver.Respond = (_, http) => { http.Response.StatusCode = healthy ? 200 : 500; return Task.CompletedTask; };
        await using var app = new ConsoleApp(new Dictionary<string, string?>
        {
            ["Webhooks:CircuitBreaker:FailureThreshold"] = "2",
            ["Webhooks:CircuitBreaker:BreakDuration"] = "00:00:03",
            ["Webhooks:RetryDelays:0"] = "00:00:10",
        });
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.AttemptCount == 1));

        await app.RecordEventAsync();
        var waiting = await app.WaitForDeliveriesAsync(d => d.Count == 3 && d[2].LastError?.Contains("circuit") == true);
        Assert.Equal(0, waiting[2].AttemptCount);
        Assert.Equal(2, receiver.Requests.Count);
        var circuit = await app.Service<CircuitBreaker>().StateAsync(waiting[2].WorkspaceId, receiver.Url);
        Assert.Equal(CircuitView.Open, circuit.State);
        Assert.Equal(circuit.OpenUntil, waiting[2].NextAttemptAt);

        healthy = true;
        var done = await app.WaitForDeliveriesAsync(d => d[2].Status == DeliveryStatus.Succeeded, TimeSpan.FromSeconds(20));
        Assert.Equal(1, done[2].AttemptCount);
        Assert.Equal(CircuitView.Closed, (await app.Service<CircuitBreaker>().StateAsync(done[2].WorkspaceId, receiver.Url)).State);
    }

    [Fact]
    public async Task UndecryptableSecret_FailsTheDeliveryWithAReason_AndSendsNothing()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url);
        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Subscriptions.Where(s => s.Id == sub.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.SecretCipher, "CfDJ8-not-a-cipher"));
        await app.RecordEventAsync();

        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Failed)).Single();
        Assert.Contains("cannot be decrypted", delivery.LastError);
        Assert.Equal(0, delivery.AttemptCount);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task RacingClaimsOnOneDelivery_LeaseItOnce()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url);
        // Committed without waking the dispatcher: the racers below and the app's own dispatch compete for it.
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
            var ws = await db.Workspaces.SingleAsync();
            var e = outbox.NewEvent(ws.Id, ws.Slug, EventTypes.RecordCreated, "orders", Guid.NewGuid(), "{}");
            db.Events.Add(e);
            db.Deliveries.Add(scope.ServiceProvider.GetRequiredService<DeliveryStarter>().NewDelivery(e, sub.Id));
            await db.SaveChangesAsync();
        }

        var store = app.Service<DeliveryStore>();
        var claims = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => store.ClaimAsync(10, [], new SendPlaces(_ => true, _ => { }), Guid.CreateVersion7(), DateTime.UtcNow.AddMinutes(5), CancellationToken.None))));

        // Whoever won holds the lease: one of the racers, or the app's dispatch, which then sends it.
        var racersWon = claims.Sum(c => c.Count);
        Assert.True(racersWon <= 1);
        await Task.Delay(1500);
        Assert.Equal(1, racersWon + receiver.Requests.Count);
    }

    [Fact]
    public async Task AClaim_LeasesOnlyTheCandidatesTheirHostHasRoomFor_AndLeavesTheRestUnleased()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:MaxConcurrencyPerHost"] = "1" });
        var sub = await app.SubscribeAsync(receiver.Url);
        // The app's own dispatch sees this host at its limit (twice its cap of one), so it leaves the rows below to this claim.
        var hosts = app.Service<HostSlots>();
        var host = HostSlots.HostOf(receiver.Url);
        Assert.True(hosts.TryReserve(host, sub.Id) && hosts.TryReserve(host, sub.Id));
        Assert.False(hosts.TryReserve(host, sub.Id));
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
            var starter = scope.ServiceProvider.GetRequiredService<DeliveryStarter>();
            var ws = await db.Workspaces.SingleAsync();
            for (var i = 0; i < 6; i++)
            {
                var e = outbox.NewEvent(ws.Id, ws.Slug, EventTypes.RecordCreated, "orders", Guid.NewGuid(), "{}");
                db.Events.Add(e);
                db.Deliveries.Add(starter.NewDelivery(e, sub.Id));
            }
            await db.SaveChangesAsync();
        }

        var lease = Guid.CreateVersion7();
        var offered = 0;
        var claimed = await app.Service<DeliveryStore>().ClaimAsync(10, [], new SendPlaces(_ => ++offered <= 2, _ => { }), lease, DateTime.UtcNow.AddMinutes(5), CancellationToken.None);

        Assert.Equal(6, offered);
        Assert.Equal(2, claimed.Count);
        Assert.All(claimed, c => Assert.True(c.Reserved && c.Subscription?.Id == sub.Id && c.Body.Length > 0));
        await using var check = app.Scope();
        var rows = await check.ServiceProvider.GetRequiredService<AppDbContext>().Deliveries.AsNoTracking().ToListAsync();
        Assert.Equal(claimed.Select(c => c.Id).Order(), rows.Where(d => d.LeaseId == lease).Select(d => d.Id).Order());
        Assert.Equal(4, rows.Count(d => d.LeaseId is null && d.Status == DeliveryStatus.Pending));
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task ACreate_WritesTheDeliveriesOfAFewSubscriptionsInItsOwnTransaction_AndLeavesMoreToTheFanOut()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.PostJsonAsync($"{Base}/collections", new { name = "Orders", slug = "orders" });
        var first = await app.SubscribeAsync(receiver.Url + "/first");

        var created = await api.PostRawAsync($"{Base}/collections/orders/records", """{"n":1}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var recordId = (await created.DataAsync<JsonElement>()).GetProperty("id").GetGuid();
        await using (var scope = app.Scope())
        {
            // Read the moment the create answered: its delivery committed with it, nothing was left for a fan-out.
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var e = await db.Events.AsNoTracking().SingleAsync(x => x.RecordId == recordId);
            Assert.False(e.FanOutPending);
            Assert.Equal([first.Id], await db.Deliveries.Where(d => d.EventId == e.Id).Select(d => d.SubscriptionId).ToListAsync());
        }

        // Nine matching subscriptions are more than a create writes itself: the dispatcher's fan-out writes them all.
        for (var i = 0; i < 8; i++) await app.SubscribeAsync(receiver.Url + "/more" + i);
        var second = await api.PostRawAsync($"{Base}/collections/orders/records", """{"n":2}""");
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var secondId = (await second.DataAsync<JsonElement>()).GetProperty("id").GetGuid();
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 10 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        await using (var scope = app.Scope())
        {
            var e = await scope.ServiceProvider.GetRequiredService<AppDbContext>().Events.AsNoTracking().SingleAsync(x => x.RecordId == secondId);
            Assert.Equal(9, all.Count(d => d.EventId == e.Id));
        }
        Assert.Equal(10, receiver.Requests.Count);
    }

    [Fact]
    public async Task Replay_SendsTheSameEventAgain_AndIsRefusedWhilePending()
    {
        await using var receiver = await Receiver.StartAsync();
        var healthy = false;
        receiver.Respond = (_, http) => { http.Response.StatusCode = healthy ? 200 : 500; return Task.CompletedTask; };
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:RetryDelays:0"] = "00:00:02", ["Webhooks:CircuitBreaker:FailureThreshold"] = "100" });
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();
        var pending = (await app.WaitForDeliveriesAsync(d => d.Single().AttemptCount == 1)).Single();
        var api = app.Api();

        var refused = await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{pending.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        var failed = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Failed)).Single();
        healthy = true;
        var replayed = await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{failed.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
        var replay = await replayed.DataAsync<ApiDelivery>();
        Assert.Equal(failed.Id, replay.ReplayedFrom);

        var all = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d[1].Status == DeliveryStatus.Succeeded);
        Assert.Equal(DeliveryStatus.Failed, all[0].Status);
        Assert.Equal(5, all[0].AttemptCount);
        var requests = receiver.Requests.ToList();
        Assert.Single(requests.Select(r => r.Header("X-Centrali-Event-Id")).Distinct());
        Assert.Equal(2, requests.Select(r => r.Header("X-Centrali-Delivery-Id")).Distinct().Count());
        Assert.Equal(requests[0].Body, requests[^1].Body);
    }

    [Fact]
    public async Task Recover_ReplaysEachFailedEventOnce()
    {
        await using var receiver = await Receiver.StartAsync();
        var healthy = false;
        receiver.Respond = (_, http) => { http.Response.StatusCode = healthy ? 200 : 500; return Task.CompletedTask; };
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:RetryDelays:0"] = "00:00:00.1", ["Webhooks:RetryDelays:1"] = "00:00:00.1", ["Webhooks:RetryDelays:2"] = "00:00:00.1", ["Webhooks:RetryDelays:3"] = "00:00:00.1", ["Webhooks:CircuitBreaker:FailureThreshold"] = "100" });
        var sub = await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Failed));
        healthy = true;
        var api = app.Api();
        var window = new { since = DateTime.UtcNow.AddHours(-1) };

        var first = await api.PostJsonAsync($"{Base}/webhook-subscriptions/{sub.Id}/recover", window);
        Assert.Equal(2, (await first.DataAsync<ApiRecovered>()).Count);
        var second = await api.PostJsonAsync($"{Base}/webhook-subscriptions/{sub.Id}/recover", window);
        Assert.Equal(0, (await second.DataAsync<ApiRecovered>()).Count);

        var all = await app.WaitForDeliveriesAsync(d => d.Count == 4 && d.Count(x => x.Status == DeliveryStatus.Succeeded) == 2);
        Assert.All(all.Where(d => d.ReplayedFrom is not null), d => Assert.Equal(DeliveryStatus.Succeeded, d.Status));

        var failures = await api.GetListAsync<ApiDelivery>($"{Base}/webhook-subscriptions/{sub.Id}/failures");
        Assert.Equal(2, failures.Data.Count);
        var missing = await api.PostJsonAsync($"{Base}/webhook-subscriptions/{sub.Id}/recover", new { until = DateTime.UtcNow });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.NotNull((await missing.ProblemAsync()).Errors!.GetValueOrDefault("since"));
    }

    [Fact]
    public async Task TestEvent_IsDeliveredWhateverTheSubscriptionsFilters()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url, events: "record_deleted", collectionSlugs: "nothing");

        var response = await app.Api().PostAsync($"{Base}/webhook-subscriptions/{sub.Id}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var request = (await receiver.WaitForAsync(1)).Single();
        Assert.Equal("webhook_test", request.Header("X-Centrali-Event"));
        Assert.Equal("webhook_test", (string?)JsonNode.Parse(request.Text)!["event"]);
        Assert.Equal(WebhookSetup.Hmac("sha256", sub.Secret, request.Body, false), request.Header("X-Signature"));
    }

    [Fact]
    public async Task DeliveriesApi_ListsNewestFirst_WithFiltersAndPaging_AndReadsOneWithAttempts()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url);
        for (var i = 0; i < 3; i++) await app.RecordEventAsync("orders");
        await app.RecordEventAsync("users", type: EventTypes.RecordDeleted);
        await app.WaitForDeliveriesAsync(d => d.Count == 4 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        var api = app.Api();

        const string Log = $"{Base}/webhook-subscriptions/deliveries";
        var page1 = await api.GetListAsync<ApiDelivery>($"{Log}?limit=3");
        Assert.Equal(3, page1.Data.Count);
        Assert.Equal("users", page1.Data[0].RecordSlug);
        var page2 = await api.GetListAsync<ApiDelivery>($"{Log}?limit=3&cursor={page1.NextCursor}");
        Assert.Single(page2.Data);
        Assert.Null(page2.NextCursor);

        Assert.Single((await api.GetListAsync<ApiDelivery>($"{Log}?event=record.deleted")).Data);
        Assert.Equal(3, (await api.GetListAsync<ApiDelivery>($"{Log}?recordSlug=orders&status=succeeded&subscriptionId={sub.Id}")).Data.Count);
        Assert.Empty((await api.GetListAsync<ApiDelivery>($"{Log}?since={DateTime.UtcNow.AddMinutes(5):O}")).Data);
        var bad = await api.GetAsync($"{Base}/webhook-subscriptions/deliveries?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var one = await api.GetDataAsync<ApiDelivery>($"{Log}/{page1.Data[0].Id}");
        Assert.Equal("record_deleted", one.Payload.GetProperty("event").GetString());
        var attempt = Assert.Single(one.Attempts!);
        Assert.Equal(200, attempt.StatusCode);
        Assert.NotNull(attempt.RequestHeaders!.GetValueOrDefault("X-Signature"));
    }

    [Fact]
    public async Task Deliveries_OfAnotherWorkspace_AreInvisible()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();
        var delivery = (await app.WaitForDeliveriesAsync(d => d.Single().Status == DeliveryStatus.Succeeded)).Single();
        var otherToken = await app.OtherWorkspaceTokenAsync();
        var api = app.Api(otherToken);
        const string OtherBase = "/data/workspace/other/api/v1";

        Assert.Empty((await api.GetListAsync<ApiDelivery>($"{OtherBase}/webhook-subscriptions/deliveries")).Data);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{OtherBase}/webhook-subscriptions/deliveries/{delivery.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"{OtherBase}/webhook-subscriptions/deliveries/{delivery.Id}/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"{OtherBase}/webhook-subscriptions/{sub.Id}/test", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{OtherBase}/webhook-subscriptions/{sub.Id}/failures")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Base}/webhook-subscriptions/deliveries/{delivery.Id}")).StatusCode);
    }
}
