using Bunit;
using Centrali.Console.Operations;

namespace Centrali.Console.Tests.Operations;

public sealed class BacklogPanelFacts
{
    [Fact]
    public async Task Panel_ShowsTheDueBacklogAndFollowsIt()
    {
        // A receiver that never answers holds the only dispatcher slot, so later deliveries stay due.
        var release = new TaskCompletionSource();
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = async (_, http) => await release.Task.WaitAsync(http.RequestAborted);
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:Concurrency"] = "1", ["Webhooks:Timeout"] = "00:01:00" });
        var (ui, _) = await app.PageContextAsync();
        await using var _ui = ui;
        await app.SubscribeAsync(receiver.Url + "/hook");

        var panel = ui.Render<BacklogPanel>();
        panel.WaitForAssertion(() => Assert.Equal("0", panel.Find("[data-testid=backlog-due]").TextContent));
        Assert.Contains("Nothing is waiting", panel.Markup);

        await app.RecordEventAsync();
        await receiver.WaitForAsync(1);
        await app.RecordEventAsync();
        await app.RecordEventAsync();
        // The in-flight one and the two behind it are all due; the panel refreshes on its own.
        panel.WaitForAssertion(() => Assert.Equal("3", panel.Find("[data-testid=backlog-due]").TextContent), TimeSpan.FromSeconds(15));
        Assert.NotEqual("—", panel.Find("[data-testid=backlog-age]").TextContent);
        release.SetResult();
    }

    [Fact]
    public async Task StoragePanel_ShowsTheDatabaseSizeTheOldestKeptDeliveryAndTheRetention()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Retention:Deliveries"] = "7.00:00:00" });
        var (ui, _) = await app.PageContextAsync();
        await using var _ui = ui;
        var empty = ui.Render<StoragePanel>();
        empty.WaitForAssertion(() => Assert.Equal("none yet", empty.Find("[data-testid=oldest-delivery]").TextContent.Trim()));

        await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(all => all.Count == 1);
        var panel = ui.Render<StoragePanel>();
        panel.WaitForAssertion(() => Assert.NotEqual("none yet", panel.Find("[data-testid=oldest-delivery]").TextContent.Trim()));
        Assert.Matches(@"^\d+(\.\d+)? (KB|MB)$", panel.Find("[data-testid=database-size]").TextContent);
        Assert.Contains("kept 7 days", panel.Markup);
    }
}
