using Bunit;
using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Deliveries;

/// <summary>The log through the API: search, event view, retry now, cancel, bulk actions, export, replays of a delivery.</summary>
public sealed class DeliveryLogApiFacts
{
    const string Base = "/data/workspace/default/api/v1";

    /// <summary>Retries ten minutes apart, so a failed first attempt leaves the delivery pending for the test to act on.</summary>
    static ConsoleApp SlowRetries() => new(ConsoleApp.RetryEvery("00:10:00"));

    static void Fail(Receiver receiver, int status = 503) =>
        receiver.Respond = (_, http) => { http.Response.StatusCode = status; return http.Response.WriteAsync("down for maintenance"); };

    static List<Guid> Ids(ApiList<ApiDelivery> page) => page.Data.Select(d => d.Id).ToList();

    static Task<ApiList<ApiDelivery>> LogAsync(HttpClient api, string query) => api.GetListAsync<ApiDelivery>($"{Base}/webhook-subscriptions/deliveries{query}");

    [Fact]
    public async Task Search_FindsByPayloadText_ById_ByShortId_AndByStatusCode_WithTheTotal()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        var acme = await app.RecordEventAsync(data: """{"customer":"Acme Rockets","total":210}""");
        var globex = await app.RecordEventAsync(data: """{"customer":"Globex","total":99}""");
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        var ofAcme = all.Single(d => d.EventId == acme.Id);
        var api = app.Api();

        // Payload text, case-insensitive, anywhere in the body.
        var byText = await LogAsync(api, "?q=rocket");
        Assert.Equal([ofAcme.Id], Ids(byText));
        Assert.Equal(1, byText.Total);

        var byEvent = await LogAsync(api, $"?q={globex.Id}");
        Assert.Equal([all.Single(d => d.EventId == globex.Id).Id], Ids(byEvent));

        // A full id may be the delivery's own, or its record's (every delivery of every event of that record).
        var byDelivery = await LogAsync(api, $"?q={ofAcme.Id}&count=true");
        Assert.Equal([ofAcme.Id], Ids(byDelivery));
        Assert.Equal(1, byDelivery.Total);
        var byRecord = await LogAsync(api, $"?q={acme.RecordId}");
        Assert.Equal([ofAcme.Id], Ids(byRecord));

        var byShortId = await LogAsync(api, $"?q={ofAcme.Id.ToString()[^8..]}");
        Assert.Equal([ofAcme.Id], Ids(byShortId));

        var byCode = await LogAsync(api, "?q=200");
        Assert.Equal(2, byCode.Total);
        var noCode = await LogAsync(api, "?statusCode=503");
        Assert.Empty(Ids(noCode));
        Assert.Equal(0, noCode.Total);

        var nothing = await LogAsync(api, "?q=initech");
        Assert.Empty(Ids(nothing));

        // Duration of the last attempt: a loopback receiver answers well within 10 s, never under 0.
        var fast = await LogAsync(api, "?maxDurationMs=10000");
        Assert.Equal(2, Ids(fast).Count);
        Assert.All(fast.Data, d => Assert.True(d.DurationMs >= 0, $"durationMs {d.DurationMs}"));
        var slow = await LogAsync(api, "?minDurationMs=10000");
        Assert.Empty(Ids(slow));

        using var bad = await api.GetAsync($"{Base}/webhook-subscriptions/deliveries?minDurationMs=50&maxDurationMs=10");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.ProblemAsync()).Errors!.GetValueOrDefault("maxDurationMs"));
    }

    /// <summary>The console's short id: the last 8 hex digits, as it shows them.</summary>
    static string Short(Guid id) => id.ToString("N")[^8..];

    [Fact]
    public async Task Search_ByShortId_FindsDeliveriesHoweverTheyWereMade_AndByStatusCode_OnlyThoseThatGotIt_ElseThePayloads()
    {
        await using var app = SlowRetries();
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (r, http) =>
        {
            http.Response.StatusCode = r.Text.Contains("missing") ? 404 : 200;
            return http.Response.WriteAsync("ok");
        };
        var sub = await app.SubscribeAsync(receiver.Url + "/hook");
        var acme = await app.RecordEventAsync(data: """{"customer":"Acme"}""");
        var missing = await app.RecordEventAsync(data: """{"sku":"missing"}""");
        // Its payload holds "404" and "418", and 8 hex digits that are nobody's short id.
        var noted = await app.RecordEventAsync(data: """{"note":"was 404, then 418","ref":"c0ffee42"}""");
        var fannedOut = await app.WaitForDeliveriesAsync(d => d.Count == 3 && d.All(x => x.AttemptCount == 1 && x.LeaseUntil == null));
        Guid Of(WebhookEvent e) => fannedOut.Single(d => d.EventId == e.Id).Id;
        var api = app.Api();
        // A replay and a test delivery are written through EF Core, the fan-out's deliveries by raw SQL: all have short ids.
        var replay = (await (await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{Of(acme)}/retry", null)).DataAsync<ApiDelivery>()).Id;
        var test = (await (await api.PostAsync($"{Base}/webhook-subscriptions/{sub.Id}/test", null)).DataAsync<ApiDelivery>()).Id;
        async Task<List<Guid>> Search(string q) => Ids(await LogAsync(api, $"?q={q}"));

        Assert.Equal([Of(acme)], await Search(Short(Of(acme))));
        Assert.Equal([replay], await Search(Short(replay)));
        Assert.Equal([test], await Search(Short(test).ToUpperInvariant()));
        // An event's short id finds all its deliveries, replays too; a record's finds those of all its events. Newest first.
        Assert.Equal([replay, Of(acme)], await Search(Short(acme.Id)));
        Assert.Equal([replay, Of(acme)], await Search(Short(acme.RecordId!.Value)));
        Assert.Equal([Of(noted)], await Search("c0ffee42"));

        // A status code some delivery got finds just those, not payloads that mention it; one nobody got is payload text.
        var byCode = await LogAsync(api, "?q=404");
        Assert.Equal([Of(missing)], Ids(byCode));
        Assert.Equal(1, byCode.Total);
        // Nobody got 418, so it is searched as payload text: the note's delivery, and any whose ids or times happen to hold
        // those digits (every id is hex, every time has milliseconds).
        var sent = await receiver.WaitForAsync(5);
        var holding418 = fannedOut.Select(d => d.Id).Append(replay).Append(test)
            .Where(id => sent.Any(r => r.Header("X-Centrali-Delivery-Id") == id.ToString() && r.Text.Contains("418")))
            .ToHashSet();
        Assert.Contains(Of(noted), holding418);
        Assert.Equal(holding418.Order(), (await Search("418")).Order());
    }

    [Fact]
    public async Task Total_CountsUpTo10000_ThenSaysMoreMatch_InTheApiAndOnThePage()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        var delivered = (await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }])).Single();
        var api = app.Api();
        var one = await LogAsync(api, "");
        Assert.Equal(1, one.Total);
        Assert.Null(one.TotalCapped);

        // 10,001 more (failed, so nothing attempts them), written as the bench seeds a long log.
        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.ExecuteSqlAsync($"""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {DeliveryService.MaxTotal + 1})
                INSERT INTO Deliveries (Id, WorkspaceId, SubscriptionId, EventId, EventType, RecordSlug, RecordId, Status, AttemptCount, MaxAttempts,
                    LastStatusCode, CreatedAt, PayloadFormat, Ordered, WaitingOnCircuit)
                SELECT printf('00000000-0000-7000-8000-%012X', i), d.WorkspaceId, d.SubscriptionId, d.EventId, d.EventType, d.RecordSlug, d.RecordId,
                    'failed', 5, 5, 500, d.CreatedAt, d.PayloadFormat, FALSE, FALSE
                FROM n, Deliveries AS d WHERE d.Id = {delivered.Id.ToString().ToUpperInvariant()}
                """);

        var many = await LogAsync(api, "?status=failed");
        Assert.Equal(DeliveryService.MaxTotal, many.Total);
        Assert.True(many.TotalCapped);
        Assert.Equal(Centrali.Console.Shared.Paging.DefaultLimit, Ids(many).Count);
        var exact = await LogAsync(api, "?statusCode=200");
        Assert.Equal([delivered.Id], Ids(exact));
        Assert.Equal(1, exact.Total);
        Assert.Null(exact.TotalCapped);

        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var page = ui.Render<Microsoft.AspNetCore.Components.CascadingValue<Centrali.Console.Workspaces.Workspace>>(p => p.Add(x => x.Value, workspace)
            .AddChildContent<Centrali.Console.Webhooks.Deliveries.Pages.DeliveriesPage>());
        page.WaitForAssertion(() => Assert.Equal("More than 10,000 deliveries", page.Find("[data-testid=total]").TextContent.Trim()), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task AttemptNow_SkipsTheWaitButNotTheCount_AndCancel_EndsItWithWhoAndWhy()
    {
        await using var app = SlowRetries();
        await using var receiver = await Receiver.StartAsync();
        Fail(receiver);
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        var waiting = (await app.WaitForDeliveriesAsync(d => d is [{ AttemptCount: 1, Status: DeliveryStatus.Pending, LeaseUntil: null }])).Single();
        Assert.True(waiting.NextAttemptAt > DateTime.UtcNow.AddMinutes(5));
        var api = app.Api();

        using var now = await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{waiting.Id}/attempt-now", null);
        Assert.Equal(HttpStatusCode.OK, now.StatusCode);
        await receiver.WaitForAsync(2);
        var retried = (await app.WaitForDeliveriesAsync(d => d is [{ AttemptCount: 2, LeaseUntil: null }])).Single();
        Assert.Equal(DeliveryStatus.Pending, retried.Status);
        Assert.Equal(waiting.MaxAttempts, retried.MaxAttempts);

        using var cancel = await api.PostJsonAsync($"{Base}/webhook-subscriptions/deliveries/{waiting.Id}/cancel", new { reason = "receiver retired" });
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        var cancelled = await cancel.DataAsync<ApiDelivery>();
        Assert.Equal("cancelled", cancelled.Status);
        Assert.Null(cancelled.NextAttemptAt);
        Assert.Contains("receiver retired", cancelled.LastError);
        Assert.Contains("API token", cancelled.LastError);

        // Final now: neither can happen again, and the list's status filter knows the new status.
        using var again = await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{waiting.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var late = await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{waiting.Id}/attempt-now", null);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        var list = await LogAsync(api, "?status=cancelled");
        Assert.Equal([waiting.Id], Ids(list));
        await Task.Delay(500);
        Assert.Equal(2, receiver.Requests.Count);
    }

    [Fact]
    public async Task EventView_ShowsEveryDeliveryOfTheEvent_AndARecordListsItsEvents()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        var api = app.Api();
        (await api.PostJsonAsync($"{Base}/collections", new { name = "Orders", slug = "orders" })).EnsureSuccessStatusCode();
        var first = await app.SubscribeAsync(receiver.Url + "/a");
        var second = await app.SubscribeAsync(receiver.Url + "/b");
        using var created = await api.PostJsonAsync($"{Base}/collections/orders/records", new { total = 5 });
        var recordId = (await created.DataAsync<ApiRecord>()).Id;
        (await api.PatchAsync($"{Base}/collections/orders/records/{recordId}", JsonContent(new { total = 6 }))).EnsureSuccessStatusCode();
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 4 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        var createdEvent = all.OrderBy(d => d.Id).First().EventId;

        var view = await api.GetDataAsync<ApiEvent>($"{Base}/events/{createdEvent}");
        Assert.Equal("record_created", view.Event);
        Assert.Equal(5, view.Payload.GetProperty("data").GetProperty("total").GetInt32());
        var to = view.Deliveries!.Select(d => d.SubscriptionId).Order().ToList();
        Assert.Equal(new[] { first.Id, second.Id }.Order().ToList(), to);

        var events = await api.GetListAsync<ApiEvent>($"{Base}/collections/orders/records/{recordId}/events");
        var types = events.Data.Select(e => e.Event).ToList();
        Assert.Equal(["record_updated", "record_created"], types);
        Assert.Equal(2, events.Data[0].Statuses!["succeeded"]);

        using var missing = await api.GetAsync($"{Base}/events/{Guid.CreateVersion7()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Bulk_ReplaysFinalDeliveriesByIdsOrByFilter_AndCancelsPendingOnes_SayingHowMany()
    {
        await using var app = SlowRetries();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        for (var i = 0; i < 3; i++) await app.RecordEventAsync(data: $$"""{"n":{{i}}}""");
        var done = await app.WaitForDeliveriesAsync(d => d.Count == 3 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        var api = app.Api();

        using var byIds = await api.PostJsonAsync($"{Base}/webhook-subscriptions/deliveries/bulk",
            new { action = "replay", ids = done.Take(2).Select(d => d.Id) });
        var result = await byIds.DataAsync<ApiBulkResult>();
        Assert.Equal(2, result.Matched);
        Assert.Equal(2, result.Done);
        var replayed = await app.WaitForDeliveriesAsync(d => d.Count == 5 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        Assert.Equal(done.Take(2).Select(d => (Guid?)d.Id).Order(), replayed.Where(d => d.ReplayedFrom != null).Select(d => d.ReplayedFrom).Order());

        // Now the receiver fails: the filter "failed first attempt, still pending" picks the new replays, and cancel ends them.
        Fail(receiver, 500);
        using var byFilter = await api.PostJsonAsync($"{Base}/webhook-subscriptions/deliveries/bulk",
            new { action = "replay", filter = new { q = "\"n\":2" } });
        Assert.Equal(1, (await byFilter.DataAsync<ApiBulkResult>()).Done);
        await app.WaitForDeliveriesAsync(d => d.Count == 6 && d.Count(x => x.Status == DeliveryStatus.Pending && x.AttemptCount == 1 && x.LeaseUntil == null) == 1);
        using var cancel = await api.PostJsonAsync($"{Base}/webhook-subscriptions/deliveries/bulk",
            new { action = "cancel", filter = new { statusCode = 500 } });
        var cancelled = await cancel.DataAsync<ApiBulkResult>();
        Assert.Equal(1, cancelled.Done);
        Assert.Single(await app.DeliveriesAsync(), d => d.Status == DeliveryStatus.Cancelled);

        using var nothing = await api.PostJsonAsync($"{Base}/webhook-subscriptions/deliveries/bulk", new { action = "explode", ids = new[] { done[0].Id } });
        Assert.Equal(HttpStatusCode.BadRequest, nothing.StatusCode);
        Assert.NotNull((await nothing.ProblemAsync()).Errors!.GetValueOrDefault("action"));
    }

    [Fact]
    public async Task Export_WritesTheFilteredLogAsCsvAndNdjson()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync(data: """{"customer":"Acme, \"the\" rocket people"}""");
        await app.RecordEventAsync(collection: "invoices", data: """{"customer":"Globex"}""");
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        var api = app.Api();

        using var csv = await api.GetAsync($"{Base}/webhook-subscriptions/deliveries/export?format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(DeliveryCsv.Header, lines[0].TrimEnd('\r'));
        Assert.Equal(3, lines.Length);
        Assert.StartsWith(all[1].Id.ToString(), lines[1]);
        Assert.Contains(",succeeded,1,", lines[1]);

        using var ndjson = await api.GetAsync($"{Base}/webhook-subscriptions/deliveries/export?format=ndjson&recordSlug=orders");
        var rows = (await ndjson.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var row = Assert.Single(rows);
        Assert.Equal(all[0].Id.ToString(), (string?)row["id"]);
        Assert.Equal("Acme, \"the\" rocket people", (string?)row["payload"]!["data"]!["customer"]);

        using var bad = await api.GetAsync($"{Base}/webhook-subscriptions/deliveries/export?format=xml");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Delivery_ListsItsReplays_WhoeverStartedThem()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        var original = (await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }])).Single();
        var api = app.Api();
        using var replay = await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{original.Id}/retry", null);
        var replayId = (await replay.DataAsync<ApiDelivery>()).Id;

        var read = await api.GetDataAsync<ApiDelivery>($"{Base}/webhook-subscriptions/deliveries/{original.Id}");
        Assert.Equal([replayId], read.Replays!);
    }

    [Fact]
    public async Task PayloadSearch_FollowsEventsDeletedFromTheDatabase()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        var e = await app.RecordEventAsync(data: """{"note":"ephemeral zebra"}""");
        var delivery = (await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }])).Single();
        var api = app.Api();
        Assert.Single(Ids(await LogAsync(api, "?q=zebra")));

        // What a retention sweep does: the delivery and its event go; the search index must let go of the event too.
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await db.Deliveries.Where(d => d.Id == delivery.Id).ExecuteDeleteAsync();
            await db.Events.Where(x => x.Id == e.Id).ExecuteDeleteAsync();
            var indexed = await db.Database.SqlQuery<int>($"SELECT count(*) AS Value FROM EventSearchKeys").SingleAsync();
            Assert.Equal(0, indexed);
        }
        await app.RecordEventAsync(data: """{"note":"zebra again"}""");
        await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }]);
        Assert.Single(Ids(await LogAsync(api, "?q=zebra")));
    }

    [Fact]
    public async Task PayloadSearch_FindsAnEventQueuedForTheIndex_AndTheBackgroundIndexesItAfterACrash()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync(data: """{"note":"an Ocelot sighting"}""");
        var delivery = (await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }])).Single();
        var api = app.Api();
        // Queued or already indexed, the search finds it.
        Assert.Equal([delivery.Id], Ids(await LogAsync(api, "?q=ocelot")));
        var key = await IndexedKeyAsync(app, "ocelot");

        // What a crash right after the create's commit leaves: the event queued (a negative key), its text not in the search file.
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            await using var search = await scope.ServiceProvider.GetRequiredService<PayloadIndex>().OpenAsync(default);
            await using var forget = search.CreateCommand();
            forget.CommandText = $"DELETE FROM EventText WHERE rowid = {key}; DELETE FROM Indexed WHERE Key = {key}";
            await forget.ExecuteNonQueryAsync();
            await db.Database.ExecuteSqlAsync($"INSERT INTO EventSearchKeys (Key, EventId) SELECT -7, Id FROM Events WHERE CAST(Body AS TEXT) LIKE {"%Ocelot%"}");
        }
        Assert.Equal([delivery.Id], Ids(await LogAsync(api, "?q=OCELOT")));
        // Nothing wakes the index now: its backstop finds the queued event.
        await IndexedKeyAsync(app, "ocelot");
        Assert.Equal([delivery.Id], Ids(await LogAsync(api, "?q=ocelot")));
    }

    [Fact]
    public async Task PayloadSearch_FindsTheTextItself_NotAPayloadHoldingItsTrigramsApart_AndFoldsCaseBeyondAscii()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        var events = new List<Guid>();
        foreach (var note in new[] { """{"note":"a zebracorn at dawn"}""", """{"note":"zeb, rac and orn, three friends"}""", """{"street":"ÜBERWEG 12"}""" })
            events.Add((await app.RecordEventAsync(data: note)).Id);
        var deliveries = await app.WaitForDeliveriesAsync(d => d.Count == 3 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        await IndexedKeyAsync(app, "dawn");
        var api = app.Api();
        var byNote = events.Select(e => deliveries.Single(d => d.EventId == e).Id).ToList();

        // The second payload holds every trigram the query asks for ("zeb", "rac", "orn") but not the text.
        Assert.Equal([byNote[0]], Ids(await LogAsync(api, "?q=ZebraCorn")));
        Assert.Equal([byNote[2]], Ids(await LogAsync(api, "?q=überweg")));
        Assert.Equal(new[] { byNote[0], byNote[1] }.Order(), Ids(await LogAsync(api, "?q=ZEB")).Order());
        Assert.Empty(Ids(await LogAsync(api, "?q=zebracornet")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PayloadSearch_RefillsItsFile_WhenTheFileWasDeletedOrHasAnOlderLayout_WhileTheAppWasStopped(bool olderLayout)
    {
        await using var receiver = await Receiver.StartAsync();
        string folder;
        Guid delivery;
        await using (var first = new ConsoleApp())
        {
            folder = first.Folder;
            await first.SubscribeAsync(receiver.Url + "/hook");
            await first.RecordEventAsync(data: """{"note":"a Pangolin crossing"}""");
            delivery = (await first.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }])).Single().Id;
            await IndexedKeyAsync(first, "pangolin");
            first.KeepFolder = true;
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var searchFile = Path.Combine(folder, "centrali.search.db");
        Assert.True(File.Exists(searchFile));
        if (olderLayout)
        {
            // The first layout: positions kept, no layout number.
            await using var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={searchFile};Pooling=False");
            await old.OpenAsync();
            await using var cmd = old.CreateCommand();
            cmd.CommandText = """
                DROP TABLE EventText; DELETE FROM Indexed; PRAGMA user_version = 0;
                CREATE VIRTUAL TABLE EventText USING fts5(Body, content='', contentless_delete=1, tokenize='trigram');
                """;
            await cmd.ExecuteNonQueryAsync();
        }
        else foreach (var f in new[] { searchFile, searchFile + "-wal", searchFile + "-shm" }) File.Delete(f);

        await using var second = new ConsoleApp(folder: folder);
        // Queued again from the database at start, then indexed into the new file.
        await IndexedKeyAsync(second, "pangolin");
        Assert.Equal([delivery], Ids(await LogAsync(second.Api(), "?q=Pangolin")));
        await using var search = await second.Services.GetRequiredService<PayloadIndex>().OpenAsync(default);
        await using var layout = search.CreateCommand();
        layout.CommandText = "SELECT sql FROM sqlite_schema WHERE name = 'EventText'";
        Assert.Contains("detail=none", (string)(await layout.ExecuteScalarAsync())!);
    }

    /// <summary>Waits until no event is queued for the payload index and <paramref name="text"/> is in its file once; answers its key.</summary>
    static async Task<long> IndexedKeyAsync(ConsoleApp app, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var scope = app.Scope())
            {
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                var queued = await db.Database.SqlQuery<int>($"SELECT count(*) AS Value FROM EventSearchKeys").SingleAsync();
                await using var search = await scope.ServiceProvider.GetRequiredService<PayloadIndex>().OpenAsync(default);
                await using var match = search.CreateCommand();
                match.CommandText = "SELECT rowid FROM EventText WHERE EventText MATCH @phrase";
                match.Parameters.AddWithValue("@phrase", PayloadIndex.TrigramQuery(text));
                var keys = new List<long>();
                await using (var r = await match.ExecuteReaderAsync())
                    while (await r.ReadAsync()) keys.Add(r.GetInt64(0));
                if (queued == 0 && keys is [var key]) return key;
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"The payload index did not take '{text}' in: {queued} queued, keys [{string.Join(", ", keys)}].");
            }
            await Task.Delay(100);
        }
    }
}
