using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR.Client;

namespace Centrali.Console.Tests.Postgres;

/// <summary>
/// Several instances of the app, as real processes, on one PostgreSQL database: they share the work, never send an
/// attempt twice, see each other's changes live, and one carries on when the other dies.
/// </summary>
[Trait("Category", "Postgres")]
[Collection(PostgresCollection.Name)]
public sealed class ScaleOutFacts(PostgresCluster cluster) : IAsyncLifetime
{
    readonly string database = "scaleout_" + Guid.NewGuid().ToString("N")[..12];
    string connectionString = "";

    public async Task InitializeAsync() => connectionString = await cluster.CreateDatabaseAsync(database);

    public async Task DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        await cluster.DropDatabaseAsync(database);
    }

    [Fact]
    public async Task TwoInstances_Deliver2000Events_EachReceivedOnce_BothSending_AndSignedWithTheSharedKeys()
    {
        const int events = 2000;
        await using var receiver = await Receiver.StartAsync();
        var secret = await SetUpAsync(receiver.Url + "/hook");
        var seeded = await SeedPendingAsync(events);

        // Both start on a queue of 2,000 due deliveries: each one's start-up and late sweeps hand every delivery to its
        // own workers, so every delivery is contended by both instances; only the claim keeps it to one attempt.
        var started = await AppProcess.StartTogetherAsync(connectionString, null, "A", "B");
        await using var a = started[0];
        await using var b = started[1];
        await WaitUntilAsync(async () => await CountAsync(DeliveryStatus.Succeeded) == events, TimeSpan.FromSeconds(120),
            () => $"all deliveries succeeded; {receiver.Requests.Count} received; {StatusesAsync().Result}");
        var (portsOfA, portsOfB) = (a.OwnedPorts(), b.OwnedPorts());

        var received = receiver.Requests.ToList();
        Assert.Equal(events, received.Count);
        Assert.Equal(seeded.Order(), received.Select(r => Guid.Parse(r.Header("X-Centrali-Delivery-Id"))).Order());
        // The subscription's secret was encrypted by the first instance's key ring; both instances signed with it.
        Assert.All(received, r => Assert.True(WebhookSetup.VerifiesStandardWebhooks(r, secret)));
        Assert.Contains(received, r => portsOfA.Contains(r.RemotePort));
        Assert.Contains(received, r => portsOfB.Contains(r.RemotePort));
        await using var db = Database();
        Assert.Equal(events, await db.Attempts.CountAsync());
        Assert.Equal(0, await db.Deliveries.CountAsync(d => d.AttemptCount != 1));
    }

    [Fact]
    public async Task ADeliveryAttemptedOnOneInstance_IsShownLiveToAClientOfTheOther()
    {
        await using var receiver = await Receiver.StartAsync();
        await SetUpAsync(receiver.Url + "/hook");
        await using var a = await AppProcess.StartPostgresAsync("A", connectionString);
        await using var b = await AppProcess.StartPostgresAsync("B", connectionString);
        var seen = new Dictionary<AppProcess, ConcurrentQueue<JsonElement>> { [a] = new(), [b] = new() };
        var hubs = new List<HubConnection>();
        foreach (var (instance, queue) in seen)
        {
            var hub = new HubConnectionBuilder()
                .WithUrl($"{instance.BaseUrl}/hubs/deliveries", o => o.AccessTokenProvider = () => Task.FromResult<string?>(AppProcess.Token))
                .Build();
            hub.On<JsonElement>("deliveryChanged", m => queue.Enqueue(m));
            await hub.StartAsync();
            // Start returns at the handshake; the answer comes once the connection has joined its workspace.
            Assert.NotNull(await hub.InvokeAsync<Guid?>("Following"));
            hubs.Add(hub);
        }

        try
        {
            // Either instance's dispatch may take the new event; the client of the one that did not send it must see it live.
            using var apiOfA = a.Api();
            (await apiOfA.PostAsJsonAsync("collections/orders/records", new { total = 210 })).EnsureSuccessStatusCode();
            var request = (await receiver.WaitForAsync(1)).Single();
            var deliveryId = request.Header("X-Centrali-Delivery-Id");
            var sender = a.OwnedPorts().Contains(request.RemotePort) ? a : b;
            Assert.Contains(request.RemotePort, sender.OwnedPorts());
            var other = seen[sender == a ? b : a];

            await WaitUntilAsync(() => Task.FromResult(other.Any(m => m.GetProperty("id").GetString() == deliveryId && m.GetProperty("status").GetString() == "succeeded")),
                TimeSpan.FromSeconds(15), "the other instance's client saw the success");
            var changes = other.Where(m => m.GetProperty("id").GetString() == deliveryId).Select(m => m.GetProperty("status").GetString()).ToList();
            Assert.Equal(["pending", "succeeded"], changes);
        }
        finally
        {
            foreach (var hub in hubs) await hub.DisposeAsync();
        }
    }

    [Fact]
    public async Task OneInstanceKilledMidRun_TheOtherFinishesItsWork()
    {
        const int events = 600;
        await using var receiver = await Receiver.StartAsync();
        // A slow receiver keeps many attempts in flight on both instances when one of them dies.
        receiver.Respond = async (_, http) => { await Task.Delay(200); await http.Response.WriteAsync("ok"); };
        await SetUpAsync(receiver.Url + "/hook");
        var seeded = await SeedPendingAsync(events);
        // A short timeout, so the leases the killed instance leaves behind end within seconds.
        var settings = new Dictionary<string, string> { ["Webhooks:Timeout"] = "00:00:02" };
        var started = await AppProcess.StartTogetherAsync(connectionString, settings, "A", "B");
        await using var a = started[0];
        await using var b = started[1];

        // Each instance's own dispatch starts when its Hangfire server takes its start-up job: wait until A is sending too.
        var portsOfA = new HashSet<int>();
        await WaitUntilAsync(() =>
        {
            portsOfA.UnionWith(a.OwnedPorts());
            return Task.FromResult(receiver.Requests.Count >= 100 && receiver.Requests.Count(r => portsOfA.Contains(r.RemotePort)) >= 10);
        }, TimeSpan.FromSeconds(60), "100 requests received, 10 of them from A");
        await a.KillAsync();
        var atKill = receiver.Requests.Count;

        await WaitUntilAsync(async () => await CountAsync(DeliveryStatus.Succeeded) == events, TimeSpan.FromSeconds(90),
            () => $"all deliveries succeeded after A's death at {atKill} received; {receiver.Requests.Count} received; {StatusesAsync().Result}; B said:\n{string.Join('\n', b.Output.TakeLast(30))}");
        Assert.True(atKill < events, $"A was killed after the run ended ({atKill} of {events} received).");
        Assert.Contains(receiver.Requests, r => portsOfA.Contains(r.RemotePort));
        // Every event arrived; an attempt A had in flight when it died may arrive twice (at-least-once), never more.
        var perDelivery = receiver.Requests.GroupBy(r => Guid.Parse(r.Header("X-Centrali-Delivery-Id"))).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(seeded.Order(), perDelivery.Keys.Order());
        Assert.All(perDelivery.Values, n => Assert.InRange(n, 1, 2));
        Assert.False(b.HasExited);
    }

    /// <summary>A first instance migrates the new database and bootstraps it; a subscription is made through its API; then it stops.</summary>
    async Task<string> SetUpAsync(string url)
    {
        await using var first = await AppProcess.StartPostgresAsync("setup", connectionString);
        using var api = first.Api();
        (await api.PostAsJsonAsync("collections", new { name = "Orders", slug = "orders" })).EnsureSuccessStatusCode();
        var created = await api.PostAsJsonAsync("webhook-subscriptions", new { name = "scale-out", url, events = new[] { "record_created" } });
        created.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["data"]!["secret"]!;
    }

    /// <summary>Committed record_created events with a due pending delivery each, as a crash or an outage leaves them.</summary>
    async Task<List<Guid>> SeedPendingAsync(int count)
    {
        await using var db = Database();
        var workspace = await db.Workspaces.SingleAsync(w => w.Slug == "default");
        var subscription = await db.Subscriptions.SingleAsync();
        var now = DateTime.UtcNow;
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var recordId = Guid.CreateVersion7();
            var e = new WebhookEvent
            {
                WorkspaceId = workspace.Id, Type = EventTypes.RecordCreated, CollectionSlug = "orders", RecordId = recordId, CreatedAt = now,
                Body = EventOutbox.Body(EventTypes.RecordCreated, workspace.Slug, "orders", recordId, $$"""{"n":{{i}}}""", now),
            };
            var d = new Delivery
            {
                WorkspaceId = workspace.Id, SubscriptionId = subscription.Id, EventId = e.Id, EventType = e.Type, CollectionSlug = "orders",
                RecordId = recordId, MaxAttempts = 5, NextAttemptAt = now, CreatedAt = now,
            };
            db.Events.Add(e);
            db.Deliveries.Add(d);
            ids.Add(d.Id);
        }
        await db.SaveChangesAsync();
        return ids;
    }

    async Task<int> CountAsync(string status)
    {
        await using var db = Database();
        return await db.Deliveries.CountAsync(d => d.Status == status);
    }

    PostgresAppDbContext Database() => new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(connectionString).Options);

    async Task<string> StatusesAsync()
    {
        await using var db = Database();
        var now = DateTime.UtcNow;
        var rows = await db.Deliveries.GroupBy(d => new { d.Status, Leased = d.LeaseUntil > now }).Select(g => new { g.Key.Status, g.Key.Leased, Count = g.Count() }).ToListAsync();
        return string.Join(", ", rows.Select(r => $"{r.Count} {r.Status}{(r.Leased ? " leased" : "")}"));
    }

    static Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan timeout, string what) => WaitUntilAsync(done, timeout, () => what);

    static async Task WaitUntilAsync(Func<Task<bool>> done, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Not within {timeout.TotalSeconds} s: {what()}.");
            await Task.Delay(100);
        }
    }
}
