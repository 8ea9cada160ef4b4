using Centrali.Console.Records;
using static Centrali.Console.Tests.Records.RecordApi;

namespace Centrali.Console.Tests.Records;

public sealed class RecordApiFacts
{
    const string Orders = $"{Base}/collections/orders/records";

    /// <summary>The bootstrap token's client, with an empty "orders" collection made.</summary>
    static async Task<HttpClient> OrdersAsync(ConsoleApp app)
    {
        var api = app.Api();
        await api.CreateCollectionAsync("orders");
        return api;
    }

    [Fact]
    public async Task Create_AnswersTheRecord_AndWritesOneRecordCreatedEventInTheWireFormat()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        var response = await api.PostRawAsync(Orders, """{"customer": "Ada", "total": 42.5, "lines": [{"sku": "a"}]}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var record = (await response.ReadJsonAsync())["data"]!;
        var id = (string)record["id"]!;
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal($"{Orders}/{id}", response.Headers.Location!.ToString());
        Assert.Equal("orders", (string?)record["collection"]);
        Assert.Equal("Ada", (string?)record["data"]!["customer"]);
        Assert.Equal(42.5, (double?)record["data"]!["total"]);
        Assert.EndsWith("Z", (string)record["createdAt"]!);
        Assert.Equal((string?)record["createdAt"], (string?)record["updatedAt"]);

        var e = Assert.Single(await app.EventsAsync());
        Assert.Equal(EventTypes.RecordCreated, e.Type);
        var body = e.Body();
        Assert.Equal(["event", "workspaceSlug", "recordSlug", "recordId", "data", "timestamp"], body.AsObject().Select(p => p.Key));
        Assert.Equal("record_created", (string?)body["event"]);
        Assert.Equal("default", (string?)body["workspaceSlug"]);
        Assert.Equal("orders", (string?)body["recordSlug"]);
        Assert.Equal(id, (string?)body["recordId"]);
        Assert.True(JsonNode.DeepEquals(record["data"], body["data"]));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string)body["timestamp"]!);
    }

    [Fact]
    public async Task Get_AnswersTheRecord_And404ForUnknownOrMalformedIds()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        var id = (await api.CreateRecordAsync("orders", """{"a": 1}""")).Id.ToString();
        var got = await api.GetDataAsync<ApiRecord>($"{Orders}/{id}");
        Assert.Equal(1, got.Data.GetProperty("a").GetInt32());
        await AssertProblemAsync(await api.GetAsync($"{Orders}/{Guid.CreateVersion7()}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await api.GetAsync($"{Orders}/not-a-guid"), HttpStatusCode.NotFound);

        // A record is found only through its own collection.
        await api.CreateCollectionAsync("other");
        await AssertProblemAsync(await api.GetAsync($"{Base}/collections/other/records/{id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_PagesByKeysetInCreationOrder_WithDefaultAndMaximumLimits()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        await using (var scope = app.Scope())
        {
            var records = scope.ServiceProvider.GetRequiredService<RecordService>();
            var workspace = await scope.ServiceProvider.GetRequiredService<Centrali.Console.Workspaces.WorkspaceService>().EnsureAsync("default");
            for (var i = 0; i < 120; i++) await records.CreateAsync(workspace.Id, "default", "orders", $$"""{"n": {{i}}}""");
        }

        var first = await api.GetListAsync<ApiRecord>(Orders);
        Assert.Equal(50, first.Data.Count);
        Assert.NotNull(first.NextCursor);

        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await api.GetListAsync<ApiRecord>($"{Orders}?limit=7" + (cursor is null ? "" : $"&cursor={cursor}"));
            ids.AddRange(page.Data.Select(r => r.Id));
            cursor = page.NextCursor;
        } while (cursor is not null);
        Assert.Equal(120, ids.Count);
        Assert.Equal(120, ids.Distinct().Count());
        Assert.Equal(ids, ids.Order());

        var all = await api.GetListAsync<ApiRecord>($"{Orders}?limit=500");
        Assert.Equal(120, all.Data.Count);
        Assert.Null(all.NextCursor);
        await AssertProblemAsync(await api.GetAsync($"{Orders}?limit=501"), HttpStatusCode.BadRequest, "limit");
        await AssertProblemAsync(await api.GetAsync($"{Orders}?limit=0"), HttpStatusCode.BadRequest, "limit");
        await AssertProblemAsync(await api.GetAsync($"{Orders}?cursor=garbage"), HttpStatusCode.BadRequest, "cursor");
    }

    [Fact]
    public async Task Put_ReplacesTheData_AndWritesOneRecordUpdatedEvent()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        var id = (await api.CreateRecordAsync("orders", """{"a": 1, "b": 2}""")).Id.ToString();
        var response = await api.SendRawAsync(HttpMethod.Put, $"{Orders}/{id}", """{"c": 3}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = (await response.ReadJsonAsync())["data"]!["data"]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"c": 3}"""), data));

        var events = await app.EventsAsync();
        Assert.Equal(2, events.Count);
        var updated = events[1].Body();
        Assert.Equal("record_updated", (string?)updated["event"]);
        Assert.Equal(id, (string?)updated["recordId"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"c": 3}"""), updated["data"]));
    }

    [Fact]
    public async Task Patch_MergesPerRfc7396_NullsRemoveKeysAndObjectsMerge()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        var id = (await api.CreateRecordAsync("orders",
            """{"title": "Goodbye!", "author": {"givenName": "John", "familyName": "Doe"}, "tags": ["example", "sample"], "content": "This will be unchanged"}""")).Id.ToString();
        var response = await api.SendRawAsync(HttpMethod.Patch, $"{Orders}/{id}",
            """{"title": "Hello!", "phoneNumber": "+01-123-456-7890", "author": {"familyName": null}, "tags": ["example"]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = JsonNode.Parse("""{"title": "Hello!", "author": {"givenName": "John"}, "tags": ["example"], "content": "This will be unchanged", "phoneNumber": "+01-123-456-7890"}""");
        Assert.True(JsonNode.DeepEquals(expected, (await response.ReadJsonAsync())["data"]!["data"]));
        var stored = (await (await api.GetAsync($"{Orders}/{id}")).ReadJsonAsync())["data"]!["data"];
        Assert.True(JsonNode.DeepEquals(expected, stored));

        var events = await app.EventsAsync();
        Assert.Equal(2, events.Count);
        Assert.Equal(EventTypes.RecordUpdated, events[1].Type);
        Assert.True(JsonNode.DeepEquals(expected, events[1].Body()["data"]));
    }

    [Fact]
    public void MergePatch_FollowsTheRfcExamples()
    {
        // RFC 7396 appendix A, a few of its rows.
        (string Target, string Patch, string Result)[] cases =
        [
            ("""{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}"""),
            ("""{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}"""),
            ("""{"a":"b"}""", """{"a":null}""", """{}"""),
            ("""{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}"""),
            ("""{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}"""),
            ("""{"e":null}""", """{"a":1}""", """{"e":null,"a":1}"""),
            ("""{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}"""),
        ];
        foreach (var (target, patch, result) in cases)
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(result), MergePatch.Apply(JsonNode.Parse(target), JsonNode.Parse(patch))), $"{target} + {patch}");
    }

    [Fact]
    public async Task Delete_RemovesTheRecord_AndWritesOneRecordDeletedEventWithTheDataAsItWas()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        var id = (await api.CreateRecordAsync("orders", """{"a": 1}""")).Id.ToString();
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Orders}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Orders}/{id}")).StatusCode);
        await AssertProblemAsync(await api.DeleteAsync($"{Orders}/{id}"), HttpStatusCode.NotFound);

        var events = await app.EventsAsync();
        Assert.Equal(2, events.Count);
        var deleted = events[1].Body();
        Assert.Equal("record_deleted", (string?)deleted["event"]);
        Assert.Equal(id, (string?)deleted["recordId"]);
        Assert.Equal(1, (int?)deleted["data"]!["a"]);
    }

    [Theory]
    [InlineData("POST", "[1, 2]", "data")]
    [InlineData("POST", "\"text\"", "data")]
    [InlineData("POST", "42", "data")]
    [InlineData("POST", "null", "data")]
    [InlineData("POST", "{\"a\": ", "body")]
    [InlineData("POST", "", "body")]
    [InlineData("POST", "{\"a\": 1, \"a\": 2}", "body")]
    [InlineData("PUT", "[]", "data")]
    [InlineData("PUT", "{oops}", "body")]
    [InlineData("PATCH", "[]", "data")]
    [InlineData("PATCH", "{", "body")]
    public async Task BadJson_Answers400NamingTheField_AndWritesNothing(string method, string json, string field)
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        var id = (await api.CreateRecordAsync("orders", """{"keep": true}""")).Id.ToString();
        var url = method == "POST" ? Orders : $"{Orders}/{id}";
        var response = await api.SendRawAsync(new HttpMethod(method), url, json);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, field);

        Assert.Single(await app.EventsAsync());
        var stored = (await (await api.GetAsync($"{Orders}/{id}")).ReadJsonAsync())["data"]!["data"];
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"keep": true}"""), stored));
        await using var scope = app.Scope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<AppDbContext>().Records.CountAsync());
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    public async Task BodyOverMaxBytes_Answers413_AndWritesNothing(string method)
    {
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Records:MaxBytes"] = "1000" });
        var api = await OrdersAsync(app);
        var id = (await api.CreateRecordAsync("orders", """{"small": true}""")).Id.ToString();
        var url = method == "POST" ? Orders : $"{Orders}/{id}";
        var big = $$"""{"text": "{{new string('x', 1200)}}"}""";

        await AssertProblemAsync(await api.SendRawAsync(new HttpMethod(method), url, big), HttpStatusCode.RequestEntityTooLarge);

        // A chunked body has no Content-Length to check: the capped read must catch it.
        var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await AssertProblemAsync(await api.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);

        Assert.Single(await app.EventsAsync());
        var fits = $$"""{"text": "{{new string('x', 900)}}"}""";
        Assert.True((await api.SendRawAsync(new HttpMethod(method), url, fits)).IsSuccessStatusCode);
    }

    [Fact]
    public async Task Create_WithAnIdempotencyKey_CreatesOnce_AndAnswersRepeatsWithTheFirstAnswer()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        HttpRequestMessage Request(string key, string json) => new(HttpMethod.Post, Orders)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", key } },
        };
        var first = await api.SendAsync(Request("k-1", """{"n": 1}"""));
        var repeat = await api.SendAsync(Request("k-1", """{"n": 1}"""));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await repeat.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);

        var other = await api.SendAsync(Request("k-2", """{"n": 1}"""));
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.NotEqual((await first.DataAsync<ApiRecord>()).Id, (await other.DataAsync<ApiRecord>()).Id);

        var list = await api.GetListAsync<ApiRecord>(Orders);
        Assert.Equal(2, list.Data.Count);
        Assert.Equal(2, (await app.EventsAsync()).Count);
        await using var scope = app.Scope();
        Assert.Equal(2, await scope.ServiceProvider.GetRequiredService<AppDbContext>().IdempotentResponses.CountAsync());
    }

    [Fact]
    public async Task IdempotencyKey_OlderThan24Hours_IsForgotten()
    {
        await using var app = new ConsoleApp();
        var api = await OrdersAsync(app);
        HttpRequestMessage Request() => new(HttpMethod.Post, Orders)
        {
            Content = new StringContent("""{"n": 1}""", System.Text.Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", "old-key" } },
        };
        var first = await api.SendAsync(Request());
        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var stored = await db.IdempotentResponses.SingleAsync();
            stored.CreatedAt = stored.CreatedAt.AddHours(-25);
            await db.SaveChangesAsync();
        }
        var later = await api.SendAsync(Request());
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.NotEqual((await first.DataAsync<ApiRecord>()).Id, (await later.DataAsync<ApiRecord>()).Id);
        Assert.Equal(2, (await app.EventsAsync()).Count);
    }
}
