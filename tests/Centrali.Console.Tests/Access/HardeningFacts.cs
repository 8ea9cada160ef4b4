using System.Net.Http.Headers;
using Centrali.Console.Shared;
using Centrali.Console.Webhooks.Dispatch;
using Microsoft.Extensions.Http;

namespace Centrali.Console.Tests.Access;

/// <summary>The security review's findings, each with hostile input.</summary>
public sealed class HardeningFacts
{
    const string Base = "/data/workspace/default/api/v1";

    static SocketsHttpHandler PrimaryHandler(ConsoleApp app)
    {
        HttpMessageHandler handler = app.Service<IHttpMessageHandlerFactory>().CreateHandler(DeliverySender.ClientName);
        while (handler is DelegatingHandler d) handler = d.InnerHandler!;
        return Assert.IsType<SocketsHttpHandler>(handler);
    }

    [Fact]
    public async Task Deliveries_IgnoreTheProxyEnvironment_UnlessWebhooksProxyIsSet()
    {
        await using var app = new ConsoleApp();
        var direct = PrimaryHandler(app);
        Assert.False(direct.UseProxy);
        Assert.Null(direct.Proxy);
    }

    [Fact]
    public async Task AnExplicitWebhooksProxy_CarriesEveryDelivery()
    {
        // The "proxy" is a receiver: a delivery to a port nobody listens on succeeds only if it went through it.
        await using var proxy = await Receiver.StartAsync();
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:Proxy"] = proxy.Url });
        Assert.True(PrimaryHandler(app).UseProxy);
        var target = $"http://127.0.0.1:{AppProcess.FreePort()}/hook";
        await app.SubscribeAsync(target);
        await app.RecordEventAsync();

        var received = (await proxy.WaitForAsync(1)).Single();
        Assert.Equal($"127.0.0.1:{new Uri(target).Port}", received.Header("host"));
        await app.WaitForDeliveriesAsync(d => d.Single().Status == "succeeded");
    }

    [Fact]
    public async Task AListPage_StopsAtItsByteBudget_AndTheCursorGoesOnFromThere()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.PostJsonAsync($"{Base}/collections", new { name = "Blobs", slug = "blobs" });
        // Five records of ~300 KB: with the row limit alone one page would carry 1.5 MB.
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var created = await api.PostRawAsync($"{Base}/collections/blobs/records", $$"""{"n":{{i}},"blob":"{{new string((char)('a' + i), 300_000)}}"}""");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            ids.Add((string)(await created.ReadJsonAsync())["data"]!["id"]!);
        }

        var first = await api.GetAsync($"{Base}/collections/blobs/records?limit=500");
        var firstBytes = (await first.Content.ReadAsByteArrayAsync()).Length;
        var firstPage = System.Text.Json.Nodes.JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        var firstIds = firstPage["data"]!.AsArray().Select(r => (string)r!["id"]!).ToList();
        Assert.Equal(ids.Take(4), firstIds);
        Assert.True(firstBytes < Paging.ByteBudget + 400_000, $"the first page is {firstBytes} bytes");
        var cursor = (string?)firstPage["nextCursor"];
        Assert.Equal(ids[3], cursor);

        var second = await (await api.GetAsync($"{Base}/collections/blobs/records?limit=500&cursor={cursor}")).ReadJsonAsync();
        Assert.Equal(ids.Skip(4), second["data"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.Null((string?)second["nextCursor"]);

        // A page of small rows is cut by its limit as before, so the budget did not simply shorten every page.
        var small = await (await api.GetAsync($"{Base}/collections/blobs/records?limit=2")).ReadJsonAsync();
        Assert.Equal(ids.Take(2), small["data"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.Equal(ids[1], (string?)small["nextCursor"]);
    }

    [Fact]
    public async Task SubscriptionLists_AreCappedAt100Items_AndDuplicatesCollapse()
    {
        await using var app = new ConsoleApp();
        var tooMany = await app.Api().PostJsonAsync($"{Base}/webhook-subscriptions", new
        {
            name = "many", url = "https://example.com/hook", events = new[] { "record_created" },
            recordSlugs = Enumerable.Range(0, 101).Select(i => $"c{i}").ToArray(),
        });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("at most 100", (string?)(await tooMany.ReadJsonAsync())["errors"]!["recordSlugs"]![0]);

        var dupes = await app.Api().PostJsonAsync($"{Base}/webhook-subscriptions", new
        {
            name = "dupes", url = "https://example.com/hook",
            events = Enumerable.Repeat("record_created", 100).ToArray(),
            recordSlugs = Enumerable.Repeat("orders", 50).Concat(Enumerable.Repeat("users", 50)).ToArray(),
        });
        Assert.Equal(HttpStatusCode.Created, dupes.StatusCode);
        var data = (await dupes.ReadJsonAsync())["data"]!;
        Assert.Equal(["record_created"], data["events"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(["orders", "users"], data["recordSlugs"]!.AsArray().Select(e => (string)e!));
    }

    [Fact]
    public async Task AHugeListBody_Answers413_ButARecordMayBeLarger()
    {
        // Real Kestrel: the in-memory test server does not enforce request body limits.
        await using var app = new ConsoleApp();
        app.UseKestrel(0);
        app.StartServer();
        using var api = new HttpClient { BaseAddress = app.ClientOptions.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ConsoleApp.Token);
        var huge = "{\"name\":\"x\",\"url\":\"https://example.com/h\",\"events\":[" + string.Join(',', Enumerable.Repeat("\"record_created\"", 4_500)) + "]}";
        var refused = await api.PostRawAsync($"{Base}/webhook-subscriptions", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        await api.PostJsonAsync($"{Base}/collections", new { name = "Big", slug = "big" });
        var record = "{\"text\":\"" + new string('a', 200_000) + "\"}";
        Assert.Equal(HttpStatusCode.Created, (await api.PostRawAsync($"{Base}/collections/big/records", record)).StatusCode);
    }

    /// <summary>A JSON object nested exactly <paramref name="depth"/> levels deep (the outer object is level 1).</summary>
    static string Build(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    [Fact]
    public async Task RecordDepth_IsCapped_SoEveryEnvelopeAroundItStillParses()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        await app.Api().PostJsonAsync($"{Base}/collections", new { name = "Deep", slug = "deep" });
        await app.SubscribeAsync(receiver.Url);

        var tooDeep = await app.Api().PostRawAsync($"{Base}/collections/deep/records", Build(64));
        Assert.Equal(HttpStatusCode.BadRequest, tooDeep.StatusCode);
        Assert.Contains("32 levels", (string?)(await tooDeep.ReadJsonAsync())["errors"]!["data"]![0]);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Api().PostRawAsync($"{Base}/collections/deep/records", Build(33))).StatusCode);

        var deepest = await app.Api().PostRawAsync($"{Base}/collections/deep/records", Build(32));
        Assert.Equal(HttpStatusCode.Created, deepest.StatusCode);
        await receiver.WaitForAsync(1);
        var log = await app.Api().GetAsync($"{Base}/webhook-subscriptions/deliveries");
        Assert.Equal(HttpStatusCode.OK, log.StatusCode);
        var id = (string)(await log.ReadJsonAsync())["data"]![0]!["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await app.Api().GetAsync($"{Base}/webhook-subscriptions/deliveries/{id}")).StatusCode);
    }

    [Fact]
    public async Task Records_CarryAnETag_AndAStaleIfMatchAnswers412WithoutChangingAnything()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.PostJsonAsync($"{Base}/collections", new { name = "People", slug = "people" });
        var created = await api.PostRawAsync($"{Base}/collections/people/records", """{"name":"Ada"}""");
        var url = created.Headers.Location!.ToString();
        var etag = created.Headers.ETag!.Tag;
        Assert.Equal(etag, (await api.GetAsync(url)).Headers.ETag!.Tag);

        var first = new HttpRequestMessage(HttpMethod.Patch, url) { Content = new StringContent("""{"city":"London"}""", Encoding.UTF8, "application/json") };
        first.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var updated = await api.SendAsync(first);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.NotEqual(etag, updated.Headers.ETag!.Tag);

        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Patch, HttpMethod.Delete })
        {
            var stale = new HttpRequestMessage(method, url);
            if (method != HttpMethod.Delete) stale.Content = new StringContent("""{"name":"Overwritten"}""", Encoding.UTF8, "application/json");
            stale.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
            var answer = await api.SendAsync(stale);
            Assert.Equal(HttpStatusCode.PreconditionFailed, answer.StatusCode);
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        }
        var now = await (await api.GetAsync(url)).ReadJsonAsync();
        Assert.Equal("Ada", (string?)now["data"]!["data"]!["name"]);
        Assert.Equal("London", (string?)now["data"]!["data"]!["city"]);
    }

    [Fact]
    public async Task ConcurrentPatchesWithoutIfMatch_NeverLoseAField()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.PostJsonAsync($"{Base}/collections", new { name = "Race", slug = "race" });
        var url = (await api.PostRawAsync($"{Base}/collections/race/records", "{}")).Headers.Location!.ToString();

        var patches = Enumerable.Range(0, 40).Select(i => api.PatchAsync(url, new StringContent($"{{\"f{i}\":{i}}}", Encoding.UTF8, "application/json")));
        var answers = await Task.WhenAll(patches);

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, a.StatusCode.ToString()));
        var data = (await (await api.GetAsync(url)).ReadJsonAsync())["data"]!["data"]!.AsObject();
        var applied = answers.Select((a, i) => (a, i)).Where(x => x.a.StatusCode == HttpStatusCode.OK).Select(x => $"f{x.i}").ToHashSet();
        Assert.Equal(applied, data.Select(p => p.Key).ToHashSet());
        Assert.True(applied.Count > 0);
    }

    [Fact]
    public async Task AForcedCollectionDelete_GoesInBatches_AndEveryRecordGetsItsEvent()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.PostJsonAsync($"{Base}/collections", new { name = "Bulk", slug = "bulk" });
        var count = Centrali.Console.Collections.CollectionService.DeleteBatchSize * 2 + 7;
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Centrali.Console.Data.AppDbContext>();
            var collection = db.Collections.Single(c => c.Slug == "bulk");
            for (var i = 0; i < count; i++)
                db.Records.Add(new Centrali.Console.Records.Record { WorkspaceId = collection.WorkspaceId, CollectionId = collection.Id, Data = $"{{\"i\":{i}}}" });
            await db.SaveChangesAsync();
        }

        Assert.Equal(HttpStatusCode.Conflict, (await api.DeleteAsync($"{Base}/collections/bulk")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Base}/collections/bulk?force=true")).StatusCode);

        await using var check = app.Scope();
        var after = check.ServiceProvider.GetRequiredService<Centrali.Console.Data.AppDbContext>();
        Assert.Equal(0, after.Records.Count());
        Assert.False(after.Collections.Any(c => c.Slug == "bulk"));
        Assert.Equal(count, after.Events.Count(e => e.Type == "record_deleted" && e.CollectionSlug == "bulk"));
    }
}
