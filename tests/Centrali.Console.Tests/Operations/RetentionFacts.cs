using Centrali.Console.Operations;
using Centrali.Console.Tests.Records;
using Hangfire;
using Hangfire.Storage;
using Xunit.Abstractions;

namespace Centrali.Console.Tests.Operations;

public sealed class RetentionFacts(ITestOutputHelper output)
{
    /// <summary>Old and recent rows written straight to the database, as months of use would leave them.</summary>
    sealed class Seed(AppDbContext db, Guid workspaceId, Guid subscriptionId)
    {
        public WebhookEvent Event(DateTime at)
        {
            var e = new WebhookEvent { WorkspaceId = workspaceId, Type = EventTypes.RecordCreated, CollectionSlug = "orders", Body = "{}"u8.ToArray(), CreatedAt = at };
            db.Events.Add(e);
            return e;
        }

        public Delivery Delivery(WebhookEvent e, string status, DateTime at, int attempts = 2)
        {
            var d = new Delivery
            {
                WorkspaceId = workspaceId, SubscriptionId = subscriptionId, EventId = e.Id, EventType = e.Type, CollectionSlug = e.CollectionSlug,
                Status = status, AttemptCount = attempts, MaxAttempts = 5, CreatedAt = at,
                // A pending one waits a day for its next attempt, so the running engine leaves it alone.
                NextAttemptAt = status == DeliveryStatus.Pending ? DateTime.UtcNow.AddDays(1) : null,
                CompletedAt = status == DeliveryStatus.Pending ? null : at.AddMinutes(1),
            };
            for (var n = 1; n <= attempts; n++) d.Attempts.Add(new Attempt { DeliveryId = d.Id, Number = n, StartedAt = at, DurationMs = 5, StatusCode = 500 });
            db.Deliveries.Add(d);
            return d;
        }
    }

    static async Task<Seed> SeedAsync(ConsoleApp app, AppDbContext db)
    {
        var sub = await app.SubscribeAsync("http://127.0.0.1:9/hook");
        var workspace = await app.Service<WorkspaceService>().EnsureAsync("default");
        return new Seed(db, workspace.Id, sub.Id);
    }

    [Fact]
    public async Task Purge_DeletesExactlyTheOldFinalRows_AndKeepsPendingOnesWhateverTheirAge()
    {
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Retention:Deliveries"] = "30.00:00:00" });
        // The payload search's own file is SQLite's (this test also runs on PostgreSQL).
        var sqlite = app.Postgres is null;
        var old = DateTime.UtcNow.AddDays(-40);
        var recent = DateTime.UtcNow.AddDays(-10);
        Guid keptPendingEvent, keptRecentEvent, keptMixedEvent, goneEvent, goneLonelyEvent;
        Guid[] keptDeliveries;
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var seed = await SeedAsync(app, db);
            var e1 = seed.Event(old);                 // all final and old: goes, with its deliveries and attempts
            seed.Delivery(e1, DeliveryStatus.Succeeded, old);
            seed.Delivery(e1, DeliveryStatus.Failed, old, attempts: 5);
            var e2 = seed.Event(old);                 // old but still pending: stays, and so does its event
            var pending = seed.Delivery(e2, DeliveryStatus.Pending, old, attempts: 3);
            var e3 = seed.Event(recent);              // recent: stays
            var recentDone = seed.Delivery(e3, DeliveryStatus.Succeeded, recent);
            var e4 = seed.Event(old);                 // an old final delivery goes, its event stays for the recent replay
            seed.Delivery(e4, DeliveryStatus.Failed, old);
            var replay = seed.Delivery(e4, DeliveryStatus.Succeeded, recent);
            var e5 = seed.Event(old);                 // an old event no subscription matched: goes
            await db.SaveChangesAsync();
            (goneEvent, keptPendingEvent, keptRecentEvent, keptMixedEvent, goneLonelyEvent) = (e1.Id, e2.Id, e3.Id, e4.Id, e5.Id);
            keptDeliveries = [pending.Id, recentDone.Id, replay.Id];
            // SQLite: queued for the payload search as a create or fan-out queues them; the index copies them into its file.
            if (sqlite) await db.Database.ExecuteSqlRawAsync("INSERT INTO EventSearchKeys (Key, EventId) SELECT -ROW_NUMBER() OVER (ORDER BY Id), Id FROM Events WHERE TRUE ON CONFLICT DO NOTHING");
            app.Service<PayloadIndex>().Wake();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (sqlite && await db.Database.SqlQuery<int>($"SELECT count(*) AS Value FROM EventSearchKeys").SingleAsync() > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "The payload index did not take the seeded events in.");
                await Task.Delay(100);
            }
        }
        if (sqlite) Assert.Equal(5, (await IndexedEventsAsync(app)).Count);

        RetentionResult result;
        await using (var scope = app.Scope())
            result = await scope.ServiceProvider.GetRequiredService<RetentionJob>().PurgeAsync();

        Assert.Equal(3, result.Deliveries);
        Assert.Equal(2 + 5 + 2, result.Attempts);
        Assert.Equal(2, result.Events);
        Assert.True(result.Batches >= 2);
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            Assert.Equal(keptDeliveries.Order(), (await db.Deliveries.Select(d => d.Id).ToListAsync()).Order());
            Assert.Equal(3 + 2 + 2, await db.Attempts.CountAsync());
            Assert.Equal(new[] { keptPendingEvent, keptRecentEvent, keptMixedEvent }.Order(), (await db.Events.Select(e => e.Id).ToListAsync()).Order());
            Assert.False(await db.Events.AnyAsync(e => e.Id == goneEvent || e.Id == goneLonelyEvent));
        }
        // The purged events' text left the payload search's file too.
        if (sqlite) Assert.Equal(new[] { keptPendingEvent, keptRecentEvent, keptMixedEvent }.Order(), (await IndexedEventsAsync(app)).Order());

        // A second run finds nothing more.
        await using (var scope = app.Scope())
            Assert.Equal(0, (await scope.ServiceProvider.GetRequiredService<RetentionJob>().PurgeAsync()).Deliveries);
    }

    static async Task<List<Guid>> IndexedEventsAsync(ConsoleApp app)
    {
        await using var search = await app.Service<PayloadIndex>().OpenAsync(default);
        await using var cmd = search.CreateCommand();
        cmd.CommandText = "SELECT EventId FROM Indexed";
        var ids = new List<Guid>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) ids.Add(Guid.Parse(r.GetString(0)));
        return ids;
    }

    [Fact]
    public async Task Purge_OfManyRows_LeavesAConcurrentWriterUnblocked()
    {
        await using var app = new ConsoleApp();
        using var api = app.Api();
        await api.CreateCollectionAsync("orders");
        const int oldDeliveries = 6000;
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var seed = await SeedAsync(app, db);
            var old = DateTime.UtcNow.AddDays(-60);
            for (var i = 0; i < oldDeliveries; i++) seed.Delivery(seed.Event(old), DeliveryStatus.Succeeded, old, attempts: 3);
            await db.SaveChangesAsync();
        }

        var before = await app.Service<OperationsFigures>().StorageAsync();
        // What the purge's window logs: start-up and the seed above are not what this measures.
        var logsBefore = app.Logs.Count;
        var purge = Task.Run(async () =>
        {
            await using var scope = app.Scope();
            return await scope.ServiceProvider.GetRequiredService<RetentionJob>().PurgeAsync();
        });
        // A writer creating records the whole time the purge runs: each create must commit.
        var statuses = new List<HttpStatusCode>();
        while (!purge.IsCompleted || statuses.Count < 20)
            statuses.Add((await api.PostRawAsync($"{RecordApi.Base}/collections/orders/records", """{"total":1}""")).StatusCode);
        var result = await purge;
        var after = await app.Service<OperationsFigures>().StorageAsync();
        output.WriteLine($"{result}; {statuses.Count} creates meanwhile; database {before.DatabaseBytes / 1024} KB with {before.Deliveries} deliveries before, {after.DatabaseBytes / 1024} KB ({after.FreeBytes / 1024} KB free for reuse) with {after.Deliveries} after");
        Assert.True(after.FreeBytes > 0, "the purge freed no pages");

        Assert.Equal(oldDeliveries, result.Deliveries);
        Assert.Equal(oldDeliveries * 3, result.Attempts);
        Assert.Equal(oldDeliveries, result.Events);
        Assert.True(result.Batches > 2, "the purge ran in one batch");
        Assert.True(result.LongestHoldMs > 0);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));
        var logged = app.Logs.Skip(logsBefore).ToList();
        Assert.DoesNotContain(logged, l => l.Contains("database is locked", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(logged, l => l.Contains("waited") && l.Contains("write gate"));
        await using (var scope = app.Scope())
            Assert.Equal(statuses.Count, await scope.ServiceProvider.GetRequiredService<AppDbContext>().Records.CountAsync());
    }

    [Fact]
    public async Task RecurringJob_IsRegistered_AndReportsWhatItPurgedInItsResult()
    {
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Retention:Deliveries"] = "1.00:00:00", ["Retention:Schedule"] = "0 3 * * *" });
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var seed = await SeedAsync(app, db);
            seed.Delivery(seed.Event(DateTime.UtcNow.AddDays(-2)), DeliveryStatus.Failed, DateTime.UtcNow.AddDays(-2));
            await db.SaveChangesAsync();
        }
        var storage = app.Service<JobStorage>();
        using (var connection = storage.GetConnection())
        {
            var job = Assert.Single(connection.GetRecurringJobs(), j => j.Id == RetentionJob.RecurringId);
            Assert.Equal("0 3 * * *", job.Cron);
        }

        app.Service<IRecurringJobManager>().Trigger(RetentionJob.RecurringId);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string? outcome = null;
        while (outcome is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            outcome = storage.GetMonitoringApi().SucceededJobs(0, 50)
                .Where(j => j.Value.Job?.Type == typeof(RetentionJob)).Select(j => j.Value.Result?.ToString()).FirstOrDefault();
        }
        Assert.NotNull(outcome);
        var reported = JsonNode.Parse(outcome!)!;
        Assert.Equal(1, (int?)reported["Deliveries"]);
        Assert.Equal(2, (int?)reported["Attempts"]);
        Assert.Equal(1, (int?)reported["Events"]);
    }
}
