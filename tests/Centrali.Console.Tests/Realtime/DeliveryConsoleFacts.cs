using System.Text.RegularExpressions;
using AngleSharp.Dom;
using Bunit;
using Centrali.Console.Api;
using Centrali.Console.Components.Shared;
using Centrali.Console.Records.Pages;
using Centrali.Console.Webhooks.Deliveries.Pages;
using Centrali.Console.Webhooks.Subscriptions.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Realtime;

/// <summary>bUnit on the real app's services: what a new user of the delivery log found wrong, each fixed and kept fixed.</summary>
public sealed class DeliveryConsoleFacts
{
    static IRenderedComponent<CascadingValue<Workspace>> Log(BunitContext ui, Workspace workspace, bool paused = false) =>
        ui.Render<CascadingValue<Workspace>>(p => p.Add(x => x.Value, workspace)
            .AddChildContent<DeliveryLog>(log => log.Add(x => x.Filter, new DeliveryFilter()).Add(x => x.Paused, paused)));

    static IRenderedComponent<CascadingValue<Workspace>> DeliveryDetail(BunitContext ui, Workspace workspace, Guid id) =>
        ui.Render<CascadingValue<Workspace>>(p => p.Add(x => x.Value, workspace)
            .AddChildContent<DeliveryPage>(page => page.Add(x => x.Id, id)));

    static IElement Row<T>(IRenderedComponent<T> cut, Guid id) where T : IComponent =>
        cut.Find($"[data-testid='row-{id}']").ParentElement!;

    static string Cell(IElement row, string testId) => row.QuerySelector($"[data-testid='{testId}']")!.TextContent.Trim();

    static ConsoleApp SlowRetries(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:RetryDelays:0"] = "00:10:00", ["Webhooks:RetryDelays:1"] = "00:10:00",
            ["Webhooks:RetryDelays:2"] = "00:10:00", ["Webhooks:RetryDelays:3"] = "00:10:00",
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return new ConsoleApp(settings);
    }

    [Theory]
    [InlineData(WorkspaceRole.Viewer, false)]
    [InlineData(WorkspaceRole.Developer, true)]
    public async Task BulkReplayAndCancel_AreOfferedToDevelopers_NeverToViewers(string role, bool offered)
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }]);
        var (ui, workspace) = await app.PageContextAsync(role);
        await using var _ = ui;
        ui.Render<MudBlazor.MudPopoverProvider>();

        var page = ui.Render<CascadingValue<Workspace>>(p => p.Add(x => x.Value, workspace).AddChildContent<DeliveriesPage>());
        page.WaitForElement("tr.delivery-row");
        Assert.Equal(offered, page.FindAll("[data-testid=bulk-bar]").Count == 1);
        Assert.Equal(offered, page.FindAll("[data-testid=bulk-replay]").Count == 1);
        Assert.Equal(offered, page.FindAll("tr.delivery-row input[type=checkbox]").Count > 0);
    }

    [Fact]
    public async Task PausedLog_KeepsStill_ThenCatchesUpOnResume_AndSaysHowManyChangesArrived()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;

        var cut = Log(ui, workspace, paused: true);
        cut.WaitForElement("[data-testid='empty-state']");
        await app.RecordEventAsync();
        var delivered = (await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }])).Single();
        await Task.Delay(600);
        Assert.Empty(cut.FindAll("tr.delivery-row"));

        cut.Render(p => p.Add(x => x.Value, workspace)
            .AddChildContent<DeliveryLog>(log => log.Add(x => x.Filter, new DeliveryFilter()).Add(x => x.Paused, false)));
        cut.WaitForAssertion(() => Assert.Equal(DeliveryStatus.Succeeded, Cell(Row(cut, delivered.Id), "delivery-status")));
        var note = cut.Find("[data-testid='caught-up']").TextContent;
        // Created (pending) and attempted (succeeded): at least those two changes were held back.
        var count = int.Parse(Regex.Match(note, @"(\d+) change").Groups[1].Value);
        Assert.True(count >= 2, note);
        Assert.Contains("arrived while paused", note);

        // Live again: the next delivery slides in without another resume.
        await app.RecordEventAsync(data: """{"total":1}""");
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tr.delivery-row").Count));
    }

    [Fact]
    public async Task ShortIds_AreTheRandomTail_WithTheFullIdOnHover_AndACopyButton_InTheLogAndTheRecordsTable()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        await app.RecordEventAsync();
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;

        var cut = Log(ui, workspace);
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("tr.delivery-row").Count));
        var shown = new List<string>();
        foreach (var d in all)
        {
            var id = Row(cut, d.Id).QuerySelector("[data-testid='delivery-id']")!;
            Assert.Equal(d.Id.ToString(), id.GetAttribute("title"));
            Assert.Equal(d.Id.ToString("N")[^8..], id.QuerySelector("code")!.TextContent);
            Assert.Equal($"/deliveries/{d.Id}", id.QuerySelector("a")!.GetAttribute("href"));
            Assert.NotNull(id.QuerySelector("[data-testid='copy-delivery-id']"));
            shown.Add(id.QuerySelector("code")!.TextContent);
        }
        // Two deliveries made a moment apart: their heads are nearly the same timestamp, their tails differ.
        Assert.NotEqual(shown[0], shown[1]);
        Assert.NotEqual(ShortId.Of(all[0].EventId), ShortId.Of(all[0].Id));

        await using var scope = app.Scope();
        await scope.ServiceProvider.GetRequiredService<Centrali.Console.Collections.CollectionService>().CreateAsync(workspace.Id, new Centrali.Console.Collections.CollectionInput("Orders", "orders", null));
        var record = (await scope.ServiceProvider.GetRequiredService<Centrali.Console.Records.RecordService>().CreateAsync(workspace.Id, workspace.Slug, "orders", """{"a":1}""")).Value!;
        var table = ui.Render<RecordsTable>(p => p.Add(x => x.Workspace, workspace).Add(x => x.Collection, "orders"));
        table.WaitForAssertion(() =>
        {
            var id = table.Find("[data-testid='record-id']");
            Assert.Equal(record.Id.ToString(), id.GetAttribute("title"));
            Assert.Equal(ShortId.Of(record.Id), id.QuerySelector("code")!.TextContent);
            Assert.NotNull(id.QuerySelector("[data-testid='copy-record-id']"));
        });
    }

    [Fact]
    public async Task DeliveryPage_LinksToItsReplays_InAFreshRender_AndTheLogMarksReplays()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        var original = (await app.WaitForDeliveriesAsync(d => d is [{ Status: DeliveryStatus.Succeeded }])).Single();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        // Replayed elsewhere (the API, another session): this page never saw the click.
        var replay = await app.Service<DeliveryService>().ReplayAsync(workspace.Id, original.Id);
        await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Succeeded));

        var page = DeliveryDetail(ui, workspace, original.Id);
        page.WaitForAssertion(() => Assert.Equal($"/deliveries/{replay.Id}", page.Find("[data-testid='replay-link'] a").GetAttribute("href")));
        Assert.Empty(page.FindAll("[data-testid='replayed-from']"));

        var log = Log(ui, workspace);
        log.WaitForAssertion(() => Assert.NotNull(Row(log, replay.Id).QuerySelector("[data-testid='replay-mark']")));
        Assert.Null(Row(log, original.Id).QuerySelector("[data-testid='replay-mark']"));
    }

    [Fact]
    public async Task LogRows_SayWaitingOnAnOpenCircuit_AndCountAttemptsUsed()
    {
        await using var app = SlowRetries(new() { ["Webhooks:CircuitBreaker:FailureThreshold"] = "1", ["Webhooks:CircuitBreaker:BreakDuration"] = "00:10:00" });
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) => { http.Response.StatusCode = 503; return Task.CompletedTask; };
        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        var first = (await app.WaitForDeliveriesAsync(d => d is [{ AttemptCount: 1, LeaseUntil: null }])).Single();
        // The circuit opened on that failure: the next delivery waits without spending an attempt.
        await app.RecordEventAsync();
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d[1].LastError != null && d[1].LeaseUntil == null);
        Assert.Equal(0, all[1].AttemptCount);
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;

        var cut = Log(ui, workspace);
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("waiting: circuit open", Cell(Row(cut, all[1].Id), "next-attempt"));
            Assert.Equal("0 of 5", Cell(Row(cut, all[1].Id), "attempts"));
            Assert.Equal("1 of 5", Cell(Row(cut, first.Id), "attempts"));
        });

        // Final: the attempts used, no budget left to suggest more are coming.
        await app.Service<DeliveryService>().CancelAsync(workspace.Id, first.Id, "a test", null);
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("1", Cell(Row(cut, first.Id), "attempts"));
            Assert.Equal("—", Cell(Row(cut, first.Id), "next-attempt"));
        });
    }

    [Fact]
    public async Task JsonErrors_SayWhatAndWhere_InTheEditorAndTheApi_WithoutReaderJargon()
    {
        var inEditor = RecordDialog.JsonError("{\n  \"total\": 210,\n}")!;
        Assert.Matches(@"^The JSON is not valid at line 3, column 1: ", inEditor);
        Assert.DoesNotContain("BytePositionInLine", inEditor);
        Assert.DoesNotContain("LineNumber", inEditor);
        Assert.DoesNotContain("reader options", inEditor);

        await using var app = new ConsoleApp();
        var api = app.Api();
        (await api.PostJsonAsync("/data/workspace/default/api/v1/collections", new { name = "Orders", slug = "orders" })).EnsureSuccessStatusCode();
        using var record = await api.PostRawAsync("/data/workspace/default/api/v1/collections/orders/records", """{"name": "Ada", }""");
        Assert.Equal(HttpStatusCode.BadRequest, record.StatusCode);
        var problem = (string)(await record.ReadJsonAsync())["errors"]!["body"]![0]!;
        Assert.StartsWith("The JSON is not valid at line 1, column 17: ", problem);
        Assert.DoesNotContain("BytePositionInLine", problem);

        // A typed body (model binding) says it the same way.
        var subscription = await app.SubscribeAsync("https://customer.example.com/hook");
        using var recover = await api.PostRawAsync($"/data/workspace/default/api/v1/webhook-subscriptions/{subscription.Id}/recover", """{"since": }""");
        Assert.Equal(HttpStatusCode.BadRequest, recover.StatusCode);
        var bound = (string)(await recover.ReadJsonAsync())["errors"]!["body"]![0]!;
        Assert.StartsWith("The JSON is not valid at line 1, column", bound);
        Assert.DoesNotContain("BytePositionInLine", bound);
    }

    [Fact]
    public async Task SubscriptionUrl_IsCheckedAsTyped_WithThePrivateNetworkRuleAndItsReason()
    {
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:AllowPrivateNetworks"] = "false" });
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var cut = ui.Render<SubscriptionEditor>(p => p.Add(x => x.WorkspaceId, workspace.Id));
        IElement Url() => cut.Find("[data-testid='subscription-url'] input, input[data-testid='subscription-url']");

        Url().Input("ftp://files.example.com/drop");
        cut.WaitForAssertion(() => Assert.Contains("must be absolute http:// or https://", cut.Markup));
        Url().Input("http://127.0.0.1:8080/hook");
        cut.WaitForAssertion(() => Assert.Contains("a loopback address; webhooks may only call public addresses", cut.Markup));
        Url().Input("http://10.1.2.3/hook");
        cut.WaitForAssertion(() => Assert.Contains("a private address", cut.Markup));
        Url().Input("https://93.184.215.14/hook");
        cut.WaitForAssertion(() => Assert.DoesNotContain("webhooks may only call public addresses", cut.Markup));
        Assert.DoesNotContain("must be absolute", cut.Markup);
    }
}
