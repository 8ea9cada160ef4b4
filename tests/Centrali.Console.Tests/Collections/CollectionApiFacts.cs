using Centrali.Console.Tests.Records;
using static Centrali.Console.Tests.Records.RecordApi;

namespace Centrali.Console.Tests.Collections;

public sealed class CollectionApiFacts
{
    [Fact]
    public async Task Create_AnswersTheCollection_AndGetListsItWithItsRecordCount()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        var response = await api.PostJsonAsync($"{Base}/collections", new { name = "Orders", slug = "orders", description = "Shop orders" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"{Base}/collections/orders", response.Headers.Location!.ToString());
        var created = await response.DataAsync<ApiCollection>();
        Assert.Equal("orders", created.Slug);
        Assert.Equal("Orders", created.Name);
        Assert.Equal("Shop orders", created.Description);
        Assert.Equal(0, created.RecordCount);
        Assert.NotEqual(default, created.CreatedAt);
        Assert.NotEqual(default, created.UpdatedAt);

        await api.CreateRecordAsync("orders", """{"total": 1}""");
        await api.CreateRecordAsync("orders", """{"total": 2}""");

        var one = await api.GetDataAsync<ApiCollection>($"{Base}/collections/orders");
        Assert.Equal(2, one.RecordCount);
        var list = await api.GetListAsync<ApiCollection>($"{Base}/collections");
        var item = Assert.Single(list.Data);
        Assert.Equal("orders", item.Slug);
        Assert.Equal(2, item.RecordCount);
        Assert.Null(list.NextCursor);
    }

    [Fact]
    public async Task List_PagesByKeyset_WithNextCursor()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        for (var i = 0; i < 5; i++) await api.CreateCollectionAsync($"c{i}");

        var first = await api.GetListAsync<ApiCollection>($"{Base}/collections?limit=2");
        Assert.Equal(2, first.Data.Count);
        var cursor = first.NextCursor;
        Assert.NotNull(cursor);
        var seen = first.Data.Select(c => c.Slug).ToList();
        while (cursor is not null)
        {
            var page = await api.GetListAsync<ApiCollection>($"{Base}/collections?limit=2&cursor={cursor}");
            seen.AddRange(page.Data.Select(c => c.Slug));
            cursor = page.NextCursor;
        }
        Assert.Equal(["c0", "c1", "c2", "c3", "c4"], seen.Order());
        Assert.Equal(5, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("Bad Slug")]
    [InlineData("-leading-dash")]
    [InlineData("")]
    [InlineData("UPPER")]
    public async Task Create_Answers400NamingSlug_ForABadSlug(string slug)
    {
        await using var app = new ConsoleApp();
        var response = await app.Api().PostJsonAsync($"{Base}/collections", new { name = "X", slug });
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "slug");
        Assert.Empty((await app.Api().GetListAsync<ApiCollection>($"{Base}/collections")).Data);
    }

    [Fact]
    public async Task Create_Answers400_ForMalformedJsonOrANonObject()
    {
        await using var app = new ConsoleApp();
        await AssertProblemAsync(await app.Api().PostRawAsync($"{Base}/collections", "{\"name\": "), HttpStatusCode.BadRequest, "body");
        await AssertProblemAsync(await app.Api().PostRawAsync($"{Base}/collections", "[1,2]"), HttpStatusCode.BadRequest, "body");
        await AssertProblemAsync(await app.Api().PostRawAsync($"{Base}/collections", """{"slug": "ok", "name": 5}"""), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task Create_Answers409_ForADuplicateSlug()
    {
        await using var app = new ConsoleApp();
        await app.Api().CreateCollectionAsync("orders");
        var again = await app.Api().PostJsonAsync($"{Base}/collections", new { name = "Other", slug = "orders" });
        await AssertProblemAsync(again, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Put_ChangesNameAndDescription_ButNeverTheSlug()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.CreateCollectionAsync("orders", "Orders");
        var put = await api.PutAsJsonAsync($"{Base}/collections/orders", new { name = "All orders", description = "Every order" });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var data = await put.DataAsync<ApiCollection>();
        Assert.Equal("All orders", data.Name);
        Assert.Equal("Every order", data.Description);
        Assert.Equal("orders", data.Slug);

        var rename = await api.PutAsJsonAsync($"{Base}/collections/orders", new { name = "X", slug = "other" });
        await AssertProblemAsync(rename, HttpStatusCode.BadRequest, "slug");
        var empty = await api.PutAsJsonAsync($"{Base}/collections/orders", new { name = "" });
        await AssertProblemAsync(empty, HttpStatusCode.BadRequest, "name");
        await AssertProblemAsync(await api.PutAsJsonAsync($"{Base}/collections/nope", new { name = "X" }), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task UnknownCollection_Answers404()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await AssertProblemAsync(await api.GetAsync($"{Base}/collections/nope"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await api.DeleteAsync($"{Base}/collections/nope"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await api.GetAsync($"{Base}/collections/nope/records"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await api.PostRawAsync($"{Base}/collections/nope/records", "{}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_OfAnEmptyCollection_Answers204_AndWritesNoEvent()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.CreateCollectionAsync("empty");
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Base}/collections/empty")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Base}/collections/empty")).StatusCode);
        Assert.Empty(await app.EventsAsync());
    }

    [Fact]
    public async Task Delete_OfACollectionWithRecords_Answers409_UnlessForced()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.CreateCollectionAsync("orders");
        var a = await api.CreateRecordAsync("orders", """{"n": 1}""");
        var b = await api.CreateRecordAsync("orders", """{"n": 2}""");

        await AssertProblemAsync(await api.DeleteAsync($"{Base}/collections/orders"), HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"{Base}/collections/orders")).StatusCode);
        Assert.Equal(2, (await app.EventsAsync()).Count);

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Base}/collections/orders?force=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Base}/collections/orders")).StatusCode);

        var deletes = (await app.EventsAsync()).Where(e => e.Type == EventTypes.RecordDeleted).ToList();
        Assert.Equal(2, deletes.Count);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), deletes.Select(e => e.RecordId!.Value).Order());
        var first = deletes.Single(e => e.RecordId == a.Id).Body();
        Assert.Equal("record_deleted", (string?)first["event"]);
        Assert.Equal("orders", (string?)first["recordSlug"]);
        Assert.Equal(1, (int?)first["data"]!["n"]);

        await using var scope = app.Scope();
        Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<AppDbContext>().Records.CountAsync());
    }

    [Fact]
    public async Task Create_WithAnIdempotencyKey_AnswersARepeatWithTheFirstAnswer()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        HttpRequestMessage Request() => new(HttpMethod.Post, $"{Base}/collections")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { name = "Orders", slug = "orders" }),
            Headers = { { "Idempotency-Key", "create-orders-1" } },
        };
        var first = await api.SendAsync(Request());
        var second = await api.SendAsync(Request());
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Single((await api.GetListAsync<ApiCollection>($"{Base}/collections")).Data);

        // Without the key the same body is a second create, and the slug is taken.
        var plain = await api.PostJsonAsync($"{Base}/collections", new { name = "Orders", slug = "orders" });
        Assert.Equal(HttpStatusCode.Conflict, plain.StatusCode);
    }
}
