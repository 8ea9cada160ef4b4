using Centrali.Console.Webhooks.Filters;

namespace Centrali.Console.Tests.Subscriptions;

/// <summary>The filter through the API: validated with a position on create and patch, read back, cleared; honoured at fan-out.</summary>
public sealed class SubscriptionFilterApiFacts
{
    const string Base = SubscriptionsApiFacts.Base;

    static object Body(string url, string? filter) => new
    {
        name = "filtered",
        url,
        events = new[] { "record_created", "record_updated", "record_deleted" },
        filter,
    };

    static Task<HttpResponseMessage> PatchAsync(ConsoleApp app, Guid id, string json) =>
        app.Api().PatchAsync($"{Base}/{id}", new StringContent(json, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Create_RefusesABadFilter_With400_PointingAtThePosition()
    {
        await using var app = new ConsoleApp();
        var response = await app.Api().PostJsonAsync(Base, Body("https://customer.example.com/hook", """data.status == "pending" && """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ReadJsonAsync())["errors"]!.AsObject();
        Assert.Equal(["filter"], errors.Select(e => e.Key));
        Assert.Equal("at position 29: expected a value", (string?)errors["filter"]![0]);

        var unknown = await app.Api().PostJsonAsync(Base, Body("https://customer.example.com/hook", "lower(data.status) == \"x\""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.StartsWith("at position 1: unknown function 'lower'", (string?)(await unknown.ReadJsonAsync())["errors"]!["filter"]![0]);
        var huge = await app.Api().PostJsonAsync(Base, Body("https://customer.example.com/hook", "data.x == \"" + new string('x', 5000) + "\""));
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("at most 2000 characters", (string?)(await huge.ReadJsonAsync())["errors"]!["filter"]![0]);
    }

    [Fact]
    public async Task Filter_IsReadBack_KeptWhenAbsent_AndClearedByNullOrEmpty()
    {
        await using var app = new ConsoleApp();
        var created = await SubscriptionsApiFacts.CreateAsync(app, Body("https://customer.example.com/hook", """data.total >= 100"""));
        var id = created.Id;
        Assert.Equal("data.total >= 100", created.Filter);

        var renamed = await PatchAsync(app, id, """{"name":"renamed"}""");
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("data.total >= 100", (await renamed.DataAsync<ApiSubscription>()).Filter);

        var bad = await PatchAsync(app, id, """{"filter":"data.total >>= 1"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("at position 13: ", (string?)(await bad.ReadJsonAsync())["errors"]!["filter"]![0]);

        var changed = await PatchAsync(app, id, """{"filter":"  data.tags contains \"vip\"  "}""");
        Assert.Equal("data.tags contains \"vip\"", (await changed.DataAsync<ApiSubscription>()).Filter);

        var cleared = await (await PatchAsync(app, id, """{"filter":null}""")).ReadJsonAsync();
        Assert.True(cleared["data"]!.AsObject().ContainsKey("filter"));
        Assert.Null(cleared["data"]!["filter"]);

        await PatchAsync(app, id, """{"filter":"data.vip"}""");
        var emptied = await (await PatchAsync(app, id, """{"filter":""}""")).DataAsync<ApiSubscription>();
        Assert.Null(emptied.Filter);
        Assert.Equal([""], await SubscriptionsApiFacts.RawRowAsync(app, id, "Filter"));
    }

    [Fact]
    public async Task FanOut_DeliversOnlyTheEventsTheFilterMatches_AndTestEventsIgnoreIt()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var vip = await SubscriptionsApiFacts.CreateAsync(app, Body(receiver.Url + "/vip",
            """data.status == "pending" && data.total >= 100 && (data.tags contains "vip" || data.customer.country in ["DE", "FR"])"""));
        var notDeleted = await SubscriptionsApiFacts.CreateAsync(app, Body(receiver.Url + "/not-deleted", """event != "record_deleted" && data.missing == null"""));

        await app.RecordEventAsync(data: """{"n":1,"status":"pending","total":150,"tags":["vip"]}""");
        await app.RecordEventAsync(data: """{"n":2,"status":"pending","total":150,"customer":{"country":"FR"}}""", type: EventTypes.RecordUpdated);
        await app.RecordEventAsync(data: """{"n":3,"status":"pending","total":99,"tags":["vip"]}""");
        await app.RecordEventAsync(data: """{"n":4,"status":"shipped","total":500,"tags":["vip"]}""");
        await app.RecordEventAsync(data: """{"n":5,"status":"pending","total":"lots","tags":"vip"}""");
        await app.RecordEventAsync(data: """{"n":6,"status":"pending","total":1000,"customer":{"country":"US"}}""", type: EventTypes.RecordDeleted);
        await app.RecordEventAsync(data: """{"n":7}""");

        // Each event makes its deliveries in its own transaction, so once all exist every one of them is final or sent.
        var deliveries = await app.WaitForDeliveriesAsync(all => all.Count == 8 && all.All(d => d.Status == DeliveryStatus.Succeeded));
        var requests = await receiver.WaitForAsync(8);
        int[] Numbers(string path) => [.. requests.Where(r => r.Path == path).Select(r => (int)JsonNode.Parse(r.Text)!["data"]!["n"]!).Order()];
        Assert.Equal([1, 2], Numbers("/vip"));
        Assert.Equal([1, 2, 3, 4, 5, 7], Numbers("/not-deleted"));
        Assert.Equal(2, deliveries.Count(d => d.SubscriptionId == vip.Id));
        Assert.Equal(6, deliveries.Count(d => d.SubscriptionId == notDeleted.Id));

        var test = await app.Api().PostAsync($"{Base}/{vip.Id}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var all = await receiver.WaitForAsync(9);
        Assert.Contains(all, r => r.Path == "/vip" && r.Header("X-Centrali-Event") == "webhook_test");
    }

    [Fact]
    public async Task TryFilter_EvaluatesAgainstTheLatestRecordOfTheCollection()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        const string records = "/data/workspace/default/api/v1/collections";
        Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync(records, new { name = "Orders", slug = "orders" })).StatusCode);
        await using var scope = app.Scope();
        var service = scope.ServiceProvider.GetRequiredService<FilterTrials>();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");

        var empty = await service.TryAsync(workspace.Id, workspace.Slug, "data.total > 1", "orders");
        Assert.Contains("no records yet", empty.Problem);

        Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync($"{records}/orders/records", new { status = "shipped", total = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync($"{records}/orders/records", new { status = "pending", total = 150 })).StatusCode);

        var hit = await service.TryAsync(workspace.Id, workspace.Slug, """data.status == "pending" && recordSlug == "orders" && event == "record_updated" """, "orders");
        Assert.Null(hit.Problem);
        Assert.True(hit.Matched);
        Assert.Contains("\"total\":150", hit.Body);
        var miss = await service.TryAsync(workspace.Id, workspace.Slug, "data.total < 100", "orders", EventTypes.RecordCreated);
        Assert.False(miss.Matched);
        var broken = await service.TryAsync(workspace.Id, workspace.Slug, "data.total <", "orders");
        Assert.StartsWith("at position 13: expected a value", broken.Problem);
    }
}
