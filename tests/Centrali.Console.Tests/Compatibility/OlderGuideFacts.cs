using Centrali.Console.Tests.Records;
using Centrali.Console.Webhooks.Secrets;

namespace Centrali.Console.Tests.Compatibility;

/// <summary>One app for the class (short retries, so a rejected delivery fails within a second); each test its own collection.</summary>
public sealed class GuideApp : SharedApp
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Webhooks:RetryDelays:0"] = "00:00:00.100",
        ["Webhooks:RetryDelays:1"] = "00:00:00.100",
        ["Webhooks:RetryDelays:2"] = "00:00:00.100",
        ["Webhooks:RetryDelays:3"] = "00:00:00.100",
    };
}

/// <summary>
/// Code written from the older webhooks guide, run against the product unchanged: its curl calls (as HttpClient calls with
/// its exact bodies) and its own Express receiver (Tests/Node/Guides/older-guide-receiver.js), which verifies
/// <c>JSON.stringify(req.body)</c> with <c>sha256=&lt;hex&gt;</c> and syncs <c>record.created</c> to a CRM.
/// </summary>
public sealed class OlderGuideFacts(GuideApp fixture) : IClassFixture<GuideApp>
{
    const string Webhooks = "/workspace/default/api/v1/webhooks";
    const string Deliveries = "/data/workspace/default/api/v1/webhook-subscriptions/deliveries";
    ConsoleApp App => fixture.App;

    [Fact]
    public async Task TheGuidesCurlCalls_AndItsOwnReceiver_RunUnchanged()
    {
        if (!NodePrograms.Available()) return; // Node is on the development machine and in CI.
        await using var receiver = await NodeReceiver.StartAsync("older-guide-receiver.js", new Dictionary<string, string> { ["WEBHOOK_SECRET"] = "your-webhook-secret" });
        var api = App.Api();
        await api.CreateCollectionAsync("orders");

        // Creating a Webhook
        var created = await api.PostRawAsync(Webhooks, """
            {
            "name": "Order Notifications",
            "url": "https://your-app.com/webhooks/centrali",
            "events": ["record.created", "record.updated"],
            "filters": {
            "structure": "orders"
            }
            }
            """);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webhook = (await created.ReadJsonAsync())["data"]!;
        var id = (string)webhook["id"]!;
        Assert.Equal(["record_created", "record_updated"], webhook["events"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(["orders"], webhook["recordSlugs"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("v1", (string?)webhook["payloadFormat"]);
        Assert.Equal("X-Centrali-Signature", (string?)webhook["signatureHeader"]);
        Assert.Equal("hex", (string?)webhook["encoding"]);
        Assert.Equal("sha256=", (string?)webhook["signaturePrefix"]);
        Assert.StartsWith("whsec_", (string?)webhook["secret"]);
        Assert.Equal(["00:00:01", "00:00:05", "00:00:15"], webhook["retryDelays"]!.AsArray().Select(e => (string)e!));

        // Setting Webhook Secret
        var patched = await SendAsync(api, HttpMethod.Patch, $"{Webhooks}/{id}", """
            {
            "secret": "your-webhook-secret"
            }
            """);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var withSecret = (await patched.ReadJsonAsync())["data"]!;
        Assert.Equal("your-webhook-secret", (string?)withSecret["secret"]);
        Assert.Equal("…et", (string?)withSecret["secretHint"]);

        // Update Webhook: the guide's body, pointed at its receiver here.
        var updated = await SendAsync(api, HttpMethod.Patch, $"{Webhooks}/{id}", $$"""
            {
            "url": "{{receiver.Url}}",
            "enabled": true
            }
            """);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(receiver.Url, (string?)(await updated.ReadJsonAsync())["data"]!["url"]);

        // List Webhooks: there, and no read shows the secret.
        var list = await api.GetStringAsync(Webhooks);
        Assert.Contains(id, list);
        Assert.DoesNotContain("your-webhook-secret", list);
        Assert.DoesNotContain("your-webhook-secret", await api.GetStringAsync($"{Webhooks}/{id}"));

        // A record.created reaches the guide's handleRecordCreated, verified by its verifyWebhook; the data is hostile on purpose.
        var record = await api.CreateRecordAsync("orders", """
            {"customer": "Zoë \"JD\" <Doe> & Søn 😀", "total": 99.99, "status": "pending", "grams": 210.0, "big": 1e21, "tenth": 0.1,
             "tiny": 1.5E-7, "minusZero": -0.0, "controls": "tab\t nl\n bell\u0007 unit\u001f del\u007f ls\u2028 slash\/",
             "2": "second", "1": "first", "nested": {"list": [1.0, 2.50, "é", null, true, {}]}}
            """);
        var recordId = record.Id.ToString();
        var contact = JsonNode.Parse(await receiver.WaitForLineAsync(l => l.Contains(recordId), "the guide's handleRecordCreated to sync the record"))!["contact"]!;
        Assert.Equal(recordId, (string?)contact["id"]);
        Assert.Equal("Zoë \"JD\" <Doe> & Søn 😀", (string?)contact["customer"]);
        Assert.Equal(99.99, (double)contact["total"]!);
        Assert.Equal(210, (double)contact["grams"]!);
        Assert.Equal("tab\t nl\n bell\u0007 unit\u001f del\u007f ls\u2028 slash/", (string?)contact["controls"]);
        Assert.Equal("é", (string?)contact["nested"]!["list"]![2]);
        var delivery = (await App.WaitForDeliveriesAsync(all => all.Any(d => d.RecordId == Guid.Parse(recordId) && d.Status == "succeeded")))
            .Single(d => d.RecordId == Guid.Parse(recordId));
        Assert.Equal(200, delivery.LastStatusCode);

        // A number JavaScript cannot hold: sent as written, so the guide's re-serialising verifier refuses it, and the log says why.
        // (No retries for this one, so it fails at once rather than after the guide's 1 s, 5 s, 15 s.)
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(api, HttpMethod.Patch, $"{Webhooks}/{id}", """{"retryDelays": []}""")).StatusCode);
        var big = await api.CreateRecordAsync("orders", """{"customer": "Big", "accountNumber": 9007199254740993}""");
        var bigId = big.Id;
        await App.WaitForDeliveriesAsync(all => all.Single(d => d.RecordId == bigId).Status == "failed");
        var failures = (await (await api.GetAsync($"{Webhooks}/{id}/failures")).ReadJsonAsync())["data"]!.AsArray();
        var failed = Assert.Single(failures);
        Assert.Equal(401, (int?)failed!["lastStatusCode"]);
        Assert.Contains("9007199254740993", failed["payload"]!.ToJsonString());
        var detail = (await (await api.GetAsync($"{Deliveries}/{failed["id"]}")).ReadJsonAsync())["data"]!;
        Assert.Contains("9007199254740993", (string?)detail["payloadNote"]);
        Assert.Contains("JSON.stringify", (string?)detail["payloadNote"]);
        Assert.Null((await (await api.GetAsync($"{Deliveries}/{delivery.Id}")).ReadJsonAsync())["data"]!["payloadNote"]);

        // Testing Webhooks: a v1 test event, which the guide's verifier accepts.
        var test = await api.PostAsync($"{Webhooks}/{id}/test", null);
        Assert.Equal(HttpStatusCode.Accepted, test.StatusCode);
        var testId = Guid.Parse((string)(await test.ReadJsonAsync())["data"]!["id"]!);
        var tested = (await App.WaitForDeliveriesAsync(all => DeliveryStatus.IsFinal(all.Single(d => d.Id == testId).Status))).Single(d => d.Id == testId);
        Assert.Equal(200, tested.LastStatusCode);
        var testPayload = (await (await api.GetAsync($"{Deliveries}/{testId}")).ReadJsonAsync())["data"]!["payload"]!;
        Assert.Equal("webhook.test", (string?)testPayload["event"]);
        Assert.Equal("default", (string?)testPayload["workspace"]);

        // Delete Webhook
        var deleted = await api.DeleteAsync($"{Webhooks}/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{Webhooks}/{id}")).StatusCode);
    }

    [Fact]
    public async Task TheV1Body_IsTheGuidesShape()
    {
        await using var receiver = await Receiver.StartAsync();
        var api = App.Api();
        await api.CreateCollectionAsync("shipments");
        var created = await api.PostJsonAsync(Webhooks, new { name = "Shipments", url = receiver.Url, events = new[] { "record.created" }, filters = new { structure = "shipments" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var record = await api.CreateRecordAsync("shipments", """{"carrier": "DHL", "weight": 2.0}""");

        var request = (await receiver.WaitForAsync(1)).Single();
        var id = record.Id.ToString();
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal($$"""{"event":"record.created","workspace":"default","timestamp":"{{(string?)body["timestamp"]}}","data":{"structure":"shipments","recordId":"{{id}}","record":{"id":"{{id}}","carrier":"DHL","weight":2""" + "}}}",
            request.Text);
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$", (string?)body["timestamp"]);
        Assert.Equal("record_created", request.Header("X-Centrali-Event"));
        var secret = (string)(await created.ReadJsonAsync())["data"]!["secret"]!;
        Assert.Equal("sha256=" + WebhookSetup.Hmac("sha256", secret, request.Body, hex: true), request.Header("X-Centrali-Signature"));
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(request, secret));
    }

    [Fact]
    public async Task TheGuidesOtherEventsAndFilters_AreRefusedByName()
    {
        var api = App.Api();
        var functions = await api.PostJsonAsync(Webhooks, new { name = "f", url = "https://your-app.com/hook", events = new[] { "record.created", "function.completed" } });
        await RecordApi.AssertProblemAsync(functions, HttpStatusCode.BadRequest, "events");
        Assert.Contains("no compute functions", (await functions.ReadJsonAsync())["errors"]!["events"]!.ToJsonString());

        var query = await api.PostJsonAsync(Webhooks, new { name = "q", url = "https://your-app.com/hook", events = new[] { "record.created" }, filters = new { query = "total > 5" } });
        await RecordApi.AssertProblemAsync(query, HttpStatusCode.BadRequest, "filters.query");

        var enabled = await api.PostRawAsync(Webhooks, """{"name": "e", "url": "https://your-app.com/hook", "events": ["record.created"], "enabled": "yes"}""");
        await RecordApi.AssertProblemAsync(enabled, HttpStatusCode.BadRequest);
        Assert.DoesNotContain("\"name\":\"e\"", await api.GetStringAsync(Webhooks));
    }

    [Fact]
    public async Task TheOlderRoutes_TakeTheSameTokens_AndAnswerOtherWorkspacesAsMissing()
    {
        var other = await App.OtherWorkspaceTokenAsync("older-other");
        Assert.Equal(HttpStatusCode.Unauthorized, (await App.Api(token: null).GetAsync(Webhooks)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await App.Api(other).GetAsync(Webhooks)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.Api(other).GetAsync("/workspace/older-other/api/v1/webhooks")).StatusCode);
    }

    [Fact]
    public async Task AFormatChange_AppliesToNewDeliveries_AndAReplaySendsTheOriginalsBytes()
    {
        await using var receiver = await Receiver.StartAsync();
        var api = App.Api();
        await api.CreateCollectionAsync("parcels");
        const string Newer = "/data/workspace/default/api/v1/webhook-subscriptions";
        var created = await api.PostJsonAsync(Newer, new { name = "Parcels", url = receiver.Url, events = new[] { "record_created" }, recordSlugs = new[] { "parcels" } });
        var id = (string)(await created.ReadJsonAsync())["data"]!["id"]!;
        await api.CreateRecordAsync("parcels", """{"n": 1}""");
        var first = (await receiver.WaitForAsync(1)).Single();
        Assert.StartsWith("{\"event\":\"record_created\",\"workspaceSlug\":\"default\"", first.Text);
        var original = (await App.WaitForDeliveriesAsync(all => all.Single(d => d.SubscriptionId == Guid.Parse(id)).Status == "succeeded"))
            .Single(d => d.SubscriptionId == Guid.Parse(id));

        var patched = await api.SendRawAsync(HttpMethod.Patch, $"{Newer}/{id}", """{"payloadFormat": "v1"}""");
        Assert.Equal("v1", (string?)(await patched.ReadJsonAsync())["data"]!["payloadFormat"]);
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync($"{Deliveries}/{original.Id}/retry", null)).StatusCode);
        var replayed = (await receiver.WaitForAsync(2))[1];
        Assert.Equal(first.Body, replayed.Body);

        await api.CreateRecordAsync("parcels", """{"n": 2}""");
        var third = (await receiver.WaitForAsync(3))[2];
        Assert.StartsWith("{\"event\":\"record.created\",\"workspace\":\"default\"", third.Text);
        var wrong = await api.SendRawAsync(HttpMethod.Patch, $"{Newer}/{id}", """{"payloadFormat": "v3"}""");
        await RecordApi.AssertProblemAsync(wrong, HttpStatusCode.BadRequest, "payloadFormat");
    }

    [Fact]
    public async Task TheNewerPostsReceiver_StillVerifiesItsDeliveries()
    {
        if (!NodePrograms.Available()) return; // Node is on the development machine and in CI.
        var api = App.Api();
        await api.CreateCollectionAsync("invoices");
        var created = await api.PostJsonAsync("/data/workspace/default/api/v1/webhook-subscriptions",
            new { name = "Invoices", url = "http://127.0.0.1:1/unused", events = new[] { "record_created" }, recordSlugs = new[] { "invoices" } });
        var subscription = (await created.ReadJsonAsync())["data"]!;
        await using var receiver = await NodeReceiver.StartAsync("newer-post-receiver.mjs",
            new Dictionary<string, string> { ["CENTRALI_WEBHOOK_SECRET"] = (string)subscription["secret"]! });
        await api.SendRawAsync(HttpMethod.Patch, $"/data/workspace/default/api/v1/webhook-subscriptions/{subscription["id"]}", $$"""{"url": "{{receiver.Url}}"}""");

        var record = await api.CreateRecordAsync("invoices", """{"orderNumber": "ORD-1045", "customerEmail": "pia@terradome.studio", "total": 210.0, "note": "Zoë \u00e9 😀 \u0007", "account": 9007199254740993}""");
        await receiver.WaitForLineAsync(l => l == $"got event: record_created {record.Id}", "the newer post's handler to verify the raw body");
    }

    [Fact]
    public void TheReceiverSnippets_ReadTheRecordIdWhereTheFormatPutsIt()
    {
        var v1 = new SignatureSettings("X-Centrali-Signature", "sha256", "hex", "sha256=", "v1");
        Assert.Contains("event.data.recordId", ReceiverCode.Node(v1));
        Assert.Contains("event[\"data\"][\"recordId\"]", ReceiverCode.Python(v1));
        Assert.Contains("event.recordId", ReceiverCode.Node(v1 with { PayloadFormat = "v2" }));
    }

    static Task<HttpResponseMessage> SendAsync(HttpClient api, HttpMethod method, string url, string json) => api.SendRawAsync(method, url, json);
}
