using Centrali.Console.Webhooks;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Dispatch;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Centrali.Console.Tests.Deliveries;

/// <summary>The dispatcher: Hangfire's persistent storage across restarts and crashes, the per-host cap, circuits per workspace, operator intent.</summary>
public sealed class DispatchFacts
{
    const string Base = "/data/workspace/default/api/v1";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RetryScheduledInTheHangfireFile_FiresAfterARestart(bool kill)
    {
        await using var receiver = await Receiver.StartAsync();
        var calls = 0;
        receiver.Respond = (_, http) => { http.Response.StatusCode = Interlocked.Increment(ref calls) == 1 ? 500 : 200; return Task.CompletedTask; };
        var folder = NewFolder();
        var settings = new Dictionary<string, string> { ["Webhooks:RetryDelays:0"] = "00:00:20", ["Webhooks:JitterFraction"] = "0" };
        try
        {
            await using (var first = await AppProcess.StartSqliteAsync("first", folder, settings))
            {
                var api = first.Api();
                await SubscribeAsync(api, receiver.Url);
                Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("collections/orders/records", new { n = 1 })).StatusCode);
                await receiver.WaitForAsync(1);
                Assert.NotNull(await WaitForScheduledWakeUpAsync(folder));
                if (kill) await first.KillAsync(); else await first.StopAsync();
            }
            var scheduled = await WaitForScheduledWakeUpAsync(folder);
            Assert.NotNull(scheduled);

            await using var second = await AppProcess.StartSqliteAsync("second", folder, settings);
            var requests = await receiver.WaitForAsync(2, TimeSpan.FromSeconds(45));
            Assert.Equal(2, requests.Count);
            Assert.Equal(requests[0].Header("X-Centrali-Delivery-Id"), requests[1].Header("X-Centrali-Delivery-Id"));
            // The wake-up scheduled before the restart ran from the Hangfire file, and the file still has it as succeeded.
            Assert.Equal("Succeeded", await WaitForJobStateAsync(folder, scheduled!.Value, "Succeeded"));
        }
        finally
        {
            Delete(folder);
        }
    }

    [Fact]
    public async Task TheDashboard_ListsDispatchRunsFromBeforeARestart_WithWhatEachDid()
    {
        await using var receiver = await Receiver.StartAsync();
        var folder = NewFolder();
        try
        {
            await using (var first = new ConsoleApp(folder: folder) { KeepFolder = true })
            {
                await first.SubscribeAsync(receiver.Url);
                await first.RecordEventAsync();
                await receiver.WaitForAsync(1);
                await WaitForSucceededRunAsync(folder);
            }
            await using var second = new ConsoleApp(folder: folder);
            var (client, _) = await second.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
            var page = await (await client.GetAsync("/hangfire/jobs/succeeded")).Content.ReadAsStringAsync();
            Assert.Contains("Dispatch due deliveries", page);
            var recurring = await (await client.GetAsync("/hangfire/recurring")).Content.ReadAsStringAsync();
            Assert.Contains(DispatchBackstop.RecurringId, recurring);
            var id = await WaitForSucceededRunAsync(folder);
            var details = await (await client.GetAsync($"/hangfire/jobs/details/{id}")).Content.ReadAsStringAsync();
            Assert.Contains("1 sent: 1 succeeded, 0 failed", WebUtility.HtmlDecode(details));
        }
        finally
        {
            Delete(folder);
        }
    }

    [Fact]
    public async Task KilledFiveTimesDuringAFanOut_NothingIsLost_NoAttemptNumberTwice()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = async (_, http) => { await Task.Delay(5); await http.Response.WriteAsync("ok"); };
        var folder = NewFolder();
        // Short retries: an attempt that times out on a busy machine is tried again within the test's wait, not in minutes.
        var settings = new Dictionary<string, string>
        {
            ["Webhooks:Timeout"] = "00:00:03", ["Webhooks:Concurrency"] = "16",
            ["Webhooks:RetryDelays:0"] = "00:00:01", ["Webhooks:RetryDelays:1"] = "00:00:01",
            ["Webhooks:RetryDelays:2"] = "00:00:01", ["Webhooks:RetryDelays:3"] = "00:00:01",
        };
        const int subscriptions = 20, records = 500;
        try
        {
            for (var cycle = 0; cycle <= 5; cycle++)
            {
                await using var app = await AppProcess.StartSqliteAsync($"cycle-{cycle}", folder, settings);
                var api = app.Api();
                if (cycle == 0)
                {
                    Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("collections", new { name = "Orders", slug = "orders" })).StatusCode);
                    for (var s = 0; s < subscriptions; s++)
                        Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("webhook-subscriptions",
                            new { name = $"s{s}", url = $"{receiver.Url}/s{s}", events = new[] { "record_created" } })).StatusCode);
                    await Task.WhenAll(Enumerable.Range(0, 4).Select(async c =>
                    {
                        for (var i = c; i < records; i += 4)
                            Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("collections/orders/records", new { n = i })).StatusCode);
                    }));
                }
                if (cycle == 5) break;
                // Killed while sending: after some more receipts than before this start.
                var seen = receiver.Requests.Count;
                await receiver.WaitForAsync(seen + 300, TimeSpan.FromSeconds(30));
                await app.KillAsync();
            }
            await using (var last = await AppProcess.StartSqliteAsync("last", folder, settings))
            {
                var deadline = DateTime.UtcNow.AddSeconds(120);
                while (Distinct(receiver) < subscriptions * records && DateTime.UtcNow < deadline) await Task.Delay(200);
                Assert.Equal(subscriptions * records, Distinct(receiver));
                // A receipt is counted when the request arrives; its success is recorded once the answer is back.
                while (await SucceededAsync() < subscriptions * records && DateTime.UtcNow < deadline) await Task.Delay(200);
                await last.StopAsync();
            }
            async Task<long> SucceededAsync()
            {
                await using var read = new SqliteConnection($"Data Source={Path.Combine(folder, "centrali.db")};Mode=ReadOnly;Pooling=False");
                await read.OpenAsync();
                return (long)(await ScalarAsync(read, """SELECT COUNT(*) FROM "Deliveries" WHERE "Status" = 'succeeded'"""))!;
            }
            // Each delivery's duplicates carry its one event id; the log never holds one attempt number twice.
            foreach (var byDelivery in receiver.Requests.GroupBy(r => r.Header("X-Centrali-Delivery-Id")))
                Assert.Single(byDelivery.Select(r => r.Header("X-Centrali-Event-Id")).Distinct());
            await using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "centrali.db")};Pooling=False");
            await db.OpenAsync();
            Assert.Equal(0L, await ScalarAsync(db, """SELECT COUNT(*) FROM (SELECT 1 FROM "Attempts" GROUP BY "DeliveryId", "Number" HAVING COUNT(*) > 1)"""));
            Assert.Equal((long)subscriptions * records, await ScalarAsync(db, """SELECT COUNT(*) FROM "Deliveries" WHERE "Status" = 'succeeded'"""));
            Assert.Equal(0L, await ScalarAsync(db, """SELECT COUNT(*) FROM "Events" WHERE "FanOutPending" = TRUE"""));
        }
        finally
        {
            Delete(folder);
        }
    }

    [Fact]
    public async Task ATarpitHost_GetsAtMostItsCap_AndFastAndFailingReceiversGoOn()
    {
        await using var fast = await Receiver.StartAsync();
        await using var slow = await Receiver.StartAsync();
        await using var failing = await Receiver.StartAsync();
        int slowNow = 0, slowMax = 0;
        slow.Respond = async (_, http) =>
        {
            var n = Interlocked.Increment(ref slowNow);
            InterlockedMax(ref slowMax, n);
            await Task.Delay(3000);
            Interlocked.Decrement(ref slowNow);
            await http.Response.WriteAsync("ok");
        };
        failing.Respond = (_, http) => { http.Response.StatusCode = 500; return Task.CompletedTask; };
        await using var app = new ConsoleApp(new Dictionary<string, string?>
        {
            ["Webhooks:Concurrency"] = "8",
            ["Webhooks:MaxConcurrencyPerHost"] = "3",
            ["Webhooks:CircuitBreaker:FailureThreshold"] = "1000",
        });
        await app.SubscribeAsync(slow.Url, collectionSlugs: "slow");
        await app.SubscribeAsync(failing.Url, collectionSlugs: "failing");
        await app.SubscribeAsync(fast.Url, collectionSlugs: "fast");
        // All written in one transaction, so every receiver's deliveries are due at once.
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
            var ws = await db.Workspaces.SingleAsync();
            foreach (var (collection, count) in new[] { ("slow", 15), ("failing", 10), ("fast", 100) })
                for (var i = 0; i < count; i++)
                    outbox.Add(db, ws.Id, ws.Slug, EventTypes.RecordCreated, collection, Guid.CreateVersion7(), "{}");
            await outbox.SaveAsync(db);
        }

        var fastDone = await fast.WaitForAsync(100, TimeSpan.FromSeconds(20));
        Assert.Equal(100, fastDone.Count);
        // The tarpit host (15 deliveries, 3 s each, 3 at a time) is still busy when every fast delivery has arrived.
        Assert.True(slow.Requests.Count < 15, $"the slow host had {slow.Requests.Count} requests when the fast host had all 100");
        Assert.True((await failing.WaitForAsync(10)).Count >= 10);
        await slow.WaitForAsync(15, TimeSpan.FromSeconds(40));
        Assert.Equal(15, slow.Requests.Count);
        Assert.Equal(3, slowMax);
    }

    [Fact]
    public async Task AHostThatAnswersFast_MayHaveMoreClaimedWaiting_AndFallsBackWhenItSlows()
    {
        var hosts = new HostSlots(Options.Create(new WebhookOptions { MaxConcurrencyPerHost = 2 }));
        var subscription = Guid.NewGuid();
        int Reserve()
        {
            var n = 0;
            while (n < 100 && hosts.TryReserve("fast.example:443", subscription)) n++;
            return n;
        }

        // Unknown yet: one round of its sends waiting, twice its cap in all.
        Assert.Equal(4, Reserve());
        Assert.Contains(subscription, hosts.SaturatedSubscriptions());

        await hosts.EnterAsync("fast.example:443");
        hosts.Exit("fast.example:443", TimeSpan.FromMilliseconds(5));
        hosts.Release("fast.example:443");
        Assert.Empty(hosts.SaturatedSubscriptions());
        Assert.Equal(2 * HostSlots.FastDepth - 3, Reserve());

        // One slow answer brings its average over the line: it takes no more until it is down to twice its cap.
        await hosts.EnterAsync("fast.example:443");
        hosts.Exit("fast.example:443", TimeSpan.FromSeconds(2));
        hosts.Release("fast.example:443");
        Assert.Equal(0, Reserve());
        Assert.Contains(subscription, hosts.SaturatedSubscriptions());
    }

    [Fact]
    public async Task AnotherWorkspacesFailures_AtTheSameUrl_NeverOpenThisWorkspacesCircuit()
    {
        await using var receiver = await Receiver.StartAsync();
        // The receiver fails the other workspace's deliveries only.
        receiver.Respond = (r, http) => { http.Response.StatusCode = r.Text.Contains("\"workspaceSlug\":\"other\"") ? 500 : 200; return Task.CompletedTask; };
        await using var app = new ConsoleApp(new Dictionary<string, string?>
        {
            ["Webhooks:CircuitBreaker:FailureThreshold"] = "2",
            ["Webhooks:CircuitBreaker:BreakDuration"] = "00:05:00",
        });
        var otherToken = await app.OtherWorkspaceTokenAsync("other");
        var other = app.Api(otherToken);
        await SubscribeAsync(other, receiver.Url, "/data/workspace/other/api/v1/");
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created, (await other.PostJsonAsync("/data/workspace/other/api/v1/collections/orders/records", new { n = i })).StatusCode);
        await app.WaitForDeliveriesAsync(d => d.Count(x => x.WaitingOnCircuit || x.AttemptCount > 0) == 3);

        await app.SubscribeAsync(receiver.Url + "/hook");
        for (var i = 0; i < 3; i++) await app.RecordEventAsync();
        var mine = (await app.WaitForDeliveriesAsync(d => d.Count(x => x.Status == DeliveryStatus.Succeeded) == 3))
            .Where(d => d.Status == DeliveryStatus.Succeeded).ToList();
        Assert.All(mine, d => Assert.Equal(1, d.AttemptCount));

        var breaker = app.Service<CircuitBreaker>();
        var workspaces = (await app.DeliveriesAsync()).Select(d => d.WorkspaceId).Distinct().ToList();
        var states = await Task.WhenAll(workspaces.Select(w => breaker.StateAsync(w, receiver.Url + "/hook")));
        Assert.Contains(states, s => s.State == CircuitView.Open);
        Assert.Contains(states, s => s.State == CircuitView.Closed);
    }

    [Fact]
    public async Task AReplay_GoesThroughAnOpenCircuit_AndItsSuccessReleasesWhatWaited()
    {
        await using var receiver = await Receiver.StartAsync();
        var healthy = false;
        receiver.Respond = (_, http) => { http.Response.StatusCode = healthy ? 200 : 500; return Task.CompletedTask; };
        await using var app = new ConsoleApp(new Dictionary<string, string?>
        {
            ["Webhooks:CircuitBreaker:FailureThreshold"] = "1",
            ["Webhooks:CircuitBreaker:BreakDuration"] = "00:10:00",
            ["Webhooks:RetryDelays:0"] = "00:10:00",
            ["Webhooks:RetryDelays:1"] = "00:10:00",
            ["Webhooks:RetryDelays:2"] = "00:10:00",
            ["Webhooks:RetryDelays:3"] = "00:10:00",
        });
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();
        var failed = (await app.WaitForDeliveriesAsync(d => d.Single().AttemptCount == 1)).Single();
        // Ended as if its attempts were used up, so it can be replayed (its next retry is ten minutes away).
        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Deliveries.Where(d => d.Id == failed.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.NextAttemptAt, (DateTime?)null));
        await app.RecordEventAsync();
        var waiting = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d[1].WaitingOnCircuit);
        Assert.Equal(CircuitView.Open, (await app.Service<CircuitBreaker>().StateAsync(failed.WorkspaceId, receiver.Url)).State);

        healthy = true;
        var replayed = await app.Api().PostAsync($"{Base}/webhook-subscriptions/deliveries/{failed.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
        // Ten minutes of break and of retry delay: only the replay's own trial can make these arrive now.
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 3 && d.All(x => x.Status != DeliveryStatus.Pending), TimeSpan.FromSeconds(15));
        Assert.Equal(DeliveryStatus.Succeeded, all.Single(d => d.ReplayedFrom == failed.Id).Status);
        Assert.Equal(DeliveryStatus.Succeeded, all.Single(d => d.Id == waiting[1].Id).Status);
        Assert.Equal(CircuitView.Closed, (await app.Service<CircuitBreaker>().StateAsync(failed.WorkspaceId, receiver.Url)).State);
    }

    [Fact]
    public async Task ALapsedLease_RecordsNothing_SoNoAttemptNumberIsWrittenTwice()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var sub = await app.SubscribeAsync(receiver.Url);
        Guid lapsed = Guid.CreateVersion7(), current = Guid.CreateVersion7();
        Delivery delivery;
        // Claimed by "current" after "lapsed"'s lease ended: the row holds the new claim's lease.
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
            var ws = await db.Workspaces.SingleAsync();
            var e = outbox.NewEvent(ws.Id, ws.Slug, EventTypes.RecordCreated, "orders", Guid.NewGuid(), "{}");
            delivery = scope.ServiceProvider.GetRequiredService<DeliveryStarter>().NewDelivery(e, sub.Id);
            delivery.LeaseId = current;
            delivery.LeaseUntil = DateTime.UtcNow.AddMinutes(5);
            db.Events.Add(e);
            db.Deliveries.Add(delivery);
            await db.SaveChangesAsync();
        }
        Outcome AttemptBy(Guid lease) => new(
            new Claimed
            {
                Id = delivery.Id, WorkspaceId = delivery.WorkspaceId, SubscriptionId = sub.Id, EventId = delivery.EventId,
                EventType = delivery.EventType, AttemptCount = 0, MaxAttempts = delivery.MaxAttempts, LeaseId = lease, LeaseUntil = delivery.LeaseUntil!.Value,
            },
            DeliveryStatus.Succeeded, 1, null, 200, null, DateTime.UtcNow,
            Attempt: new Attempt { DeliveryId = delivery.Id, Number = 1, StartedAt = DateTime.UtcNow, StatusCode = 200, RequestHeaders = "{}" });

        var store = app.Service<DeliveryStore>();
        Assert.Empty(await store.RecordAsync([AttemptBy(lapsed)], CancellationToken.None));
        Assert.Single(await store.RecordAsync([AttemptBy(current)], CancellationToken.None));
        Assert.Empty(await store.RecordAsync([AttemptBy(current)], CancellationToken.None));

        var stored = (await app.DeliveriesAsync()).Single();
        Assert.Equal(DeliveryStatus.Succeeded, stored.Status);
        Assert.Single(stored.Attempts);
        Assert.Null(stored.LeaseUntil);
    }

    static async Task SubscribeAsync(HttpClient api, string url, string prefix = "")
    {
        Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync($"{prefix}collections", new { name = "Orders", slug = "orders" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync($"{prefix}webhook-subscriptions",
            new { name = "hook", url = url + "/hook", events = new[] { "record_created" } })).StatusCode);
    }

    /// <summary>The id of a dispatch wake-up in Hangfire's scheduled set, read from its SQLite file.</summary>
    static async Task<long?> WaitForScheduledWakeUpAsync(string folder)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            await using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "hangfire.db")};Pooling=False");
            await db.OpenAsync();
            var value = await ScalarAsync(db, """SELECT "Value" FROM "Set" WHERE "Key" = 'schedule' ORDER BY "Score" DESC LIMIT 1""");
            if (value is string id) return long.Parse(id);
            await Task.Delay(100);
        }
        return null;
    }

    static async Task<string?> WaitForJobStateAsync(string folder, long jobId, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? now = null;
        while (DateTime.UtcNow < deadline && now != state)
        {
            await using var db = new SqliteConnection($"Data Source={Path.Combine(folder, "hangfire.db")};Pooling=False");
            await db.OpenAsync();
            now = await ScalarAsync(db, $"""SELECT "StateName" FROM "Job" WHERE "Id" = {jobId}""") as string;
            await Task.Delay(100);
        }
        return now;
    }

    /// <summary>The latest dispatch run that sent something, succeeded, from the Hangfire file.</summary>
    static async Task<long> WaitForSucceededRunAsync(string folder)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(folder, "hangfire.db")};Pooling=False"))
            {
                await db.OpenAsync();
                if (await ScalarAsync(db, """
                        SELECT "JobId" FROM "State" WHERE "Name" = 'Succeeded' AND "Data" LIKE '%1 sent: 1 succeeded%' ORDER BY "JobId" DESC LIMIT 1
                        """) is long id) return id;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("No dispatch run that sent the delivery has succeeded.");
            await Task.Delay(200);
        }
    }

    static async Task<object?> ScalarAsync(SqliteConnection db, string sql)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync();
    }

    static int Distinct(Receiver r) => r.Requests.Select(x => x.Header("X-Centrali-Delivery-Id")).Distinct().Count();

    static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    static string NewFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "centrali-tests", "dispatch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    static void Delete(string folder)
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
