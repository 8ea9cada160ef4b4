using AngleSharp.Dom;
using Bunit;
using Centrali.Console.Realtime;
using Centrali.Console.Webhooks.Deliveries.Pages;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Realtime;

/// <summary>bUnit on the real app's services and database: the live delivery log follows the notifier, and lets go of it.</summary>
public sealed class DeliveryLogFacts
{
    static IRenderedComponent<CascadingValue<Workspace>> Log(BunitContext ui, Workspace workspace, DeliveryFilter? filter = null) =>
        ui.Render<CascadingValue<Workspace>>(p => p
            .Add(x => x.Value, workspace)
            .AddChildContent<DeliveryLog>(log => log.Add(x => x.Filter, filter ?? new DeliveryFilter())));

    static IElement Row<T>(IRenderedComponent<T> cut, Guid id) where T : IComponent =>
        cut.Find($"[data-testid='row-{id}']").ParentElement!;

    static string Cell(IElement row, string testId) => row.QuerySelector($"[data-testid='{testId}']")!.TextContent.Trim();

    [Fact]
    public async Task LiveLog_RerendersTheRowOnANotifierEvent_SlidesNewDeliveriesIn_AndStopsListeningAfterDispose()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        var subscription = await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        var delivered = (await app.WaitForDeliveriesAsync(all => all is [{ Status: DeliveryStatus.Succeeded }])).Single();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var notifier = app.Service<DeliveryNotifier>();
        var before = notifier.ListenerCount;

        var cut = Log(ui, workspace);
        cut.WaitForAssertion(() => Assert.Equal("1", Cell(Row(cut, delivered.Id), "attempts")));
        Assert.Equal(DeliveryStatus.Succeeded, Cell(Row(cut, delivered.Id), "delivery-status"));
        Assert.Equal(before + 1, notifier.ListenerCount);

        await notifier.PublishAsync(new DeliveryState(delivered.Id, workspace.Id, subscription.Id, delivered.EventId, delivered.EventType,
            DeliveryStatus.Failed, 3, 5, null, 503, null));
        cut.WaitForAssertion(() =>
        {
            var row = Row(cut, delivered.Id);
            Assert.Equal("3", Cell(row, "attempts"));
            Assert.Equal(DeliveryStatus.Failed, Cell(row, "delivery-status"));
            Assert.Equal("503", Cell(row, "last-code"));
        });

        // Another workspace's change of the same id is not this log's business.
        await notifier.PublishAsync(new DeliveryState(delivered.Id, Guid.NewGuid(), subscription.Id, delivered.EventId, delivered.EventType,
            DeliveryStatus.Succeeded, 4, 5, null, 200, null));

        // A real new delivery (pending, then attempted) slides in at the top without a reload.
        await app.RecordEventAsync(data: """{"total":7}""");
        var second = (await app.WaitForDeliveriesAsync(all => all.Count == 2 && all[1].Status == DeliveryStatus.Succeeded))[1];
        cut.WaitForAssertion(() =>
        {
            var rows = cut.FindAll("tr.delivery-row");
            Assert.Equal(2, rows.Count);
            Assert.NotNull(rows[0].QuerySelector($"[data-testid='row-{second.Id}']"));
            Assert.Equal(DeliveryStatus.Succeeded, Cell(rows[0], "delivery-status"));
        });
        Assert.Equal("3", Cell(Row(cut, delivered.Id), "attempts"));

        await ui.DisposeComponentsAsync();
        Assert.Equal(before, notifier.ListenerCount);
    }

    [Fact]
    public async Task LiveLog_FilteredBySubscription_IgnoresOtherSubscriptionsDeliveries()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        var mine = await app.SubscribeAsync(receiver.Url + "/mine");
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;

        var cut = Log(ui, workspace, new DeliveryFilter(SubscriptionId: mine.Id));
        cut.WaitForElement("[data-testid='empty-state']");

        var other = await app.SubscribeAsync(receiver.Url + "/other");
        await app.RecordEventAsync();
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        var ofMine = all.Single(d => d.SubscriptionId == mine.Id);
        var ofOther = all.Single(d => d.SubscriptionId == other.Id);

        cut.WaitForAssertion(() => Assert.Equal(DeliveryStatus.Succeeded, Cell(Row(cut, ofMine.Id), "delivery-status")));

        // Publishing waits for the log to apply the change; the later change of its own row forces the render that would show a stray row.
        var notifier = app.Service<DeliveryNotifier>();
        await notifier.PublishAsync(new DeliveryState(ofOther.Id, workspace.Id, other.Id, ofOther.EventId, ofOther.EventType, DeliveryStatus.Failed, 2, 5, null, 500, null));
        await notifier.PublishAsync(new DeliveryState(ofMine.Id, workspace.Id, mine.Id, ofMine.EventId, ofMine.EventType, DeliveryStatus.Failed, 2, 5, null, 500, null));
        cut.WaitForAssertion(() => Assert.Equal("2", Cell(Row(cut, ofMine.Id), "attempts")));
        Assert.Single(cut.FindAll("tr.delivery-row"));
        Assert.Empty(cut.FindAll($"[data-testid='row-{ofOther.Id}']"));
    }
}
