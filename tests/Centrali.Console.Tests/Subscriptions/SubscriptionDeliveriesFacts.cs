using System.Globalization;
using Bunit;
using Centrali.Console.Tests.Realtime;
using Centrali.Console.Webhooks.Subscriptions.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using MudBlazor;

namespace Centrali.Console.Tests.Subscriptions;

/// <summary>bUnit on the real app: the subscription page's live deliveries, "Send test event" and "Recover failed since…".</summary>
public sealed class SubscriptionDeliveriesFacts
{
    static IRenderedComponent<PageShell> Page(PageContext ui, Guid id) => ui.RenderPage<SubscriptionPage>(p => p.Add(x => x.Id, id));

    [Fact]
    public async Task SendTestEvent_LinksToTheNewDelivery_WhichShowsLiveAndSucceeds()
    {
        await using var app = new ConsoleApp();
        await using var receiver = await Receiver.StartAsync();
        var subscription = await app.SubscribeAsync(receiver.Url + "/hook");
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var cut = Page(ui, subscription.Id);
        cut.WaitForElement("[data-testid='subscription-deliveries'] [data-testid='empty-state']");

        cut.Find("[data-testid='send-test']").Click();

        var link = cut.WaitForElement("[data-testid='test-delivery-link']");
        var delivery = (await app.WaitForDeliveriesAsync(all => all is [{ Status: DeliveryStatus.Succeeded }])).Single();
        Assert.Equal($"/deliveries/{delivery.Id}", link.GetAttribute("href"));
        Assert.Equal(EventTypes.WebhookTest, delivery.EventType);
        Assert.Single(receiver.Requests);
        cut.WaitForAssertion(() =>
        {
            var row = cut.Find($"[data-testid='row-{delivery.Id}']").ParentElement!;
            Assert.Equal(DeliveryStatus.Succeeded, row.QuerySelector("[data-testid='delivery-status']")!.TextContent.Trim());
            Assert.Equal("200", row.QuerySelector("[data-testid='last-code']")!.TextContent.Trim());
        });
    }

    [Fact]
    public async Task RecoverFailedSince_ReplaysTheFailedDeliveryOnce_AndReportsTheCount()
    {
        // Five failed attempts would open the URL's circuit and hold the recovered delivery back for a minute.
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:CircuitBreaker:FailureThreshold"] = "50" });
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) => { http.Response.StatusCode = 500; return Task.CompletedTask; };
        var subscription = await app.SubscribeAsync(receiver.Url + "/hook");
        await app.RecordEventAsync();
        var failed = (await app.WaitForDeliveriesAsync(all => all is [{ Status: DeliveryStatus.Failed }])).Single();
        receiver.Respond = (_, http) => http.Response.WriteAsync("ok");
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var cut = Page(ui, subscription.Id);
        cut.WaitForElement($"[data-testid='row-{failed.Id}']");
        Assert.True(cut.Find("[data-testid='recover']").HasAttribute("disabled"));

        var since = cut.Find("[data-testid='recover-since']");
        (since.TagName == "INPUT" ? since : since.QuerySelector("input")!).Change(DateTime.Today.ToString("d", CultureInfo.CurrentCulture));
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid='recover']").HasAttribute("disabled")));
        cut.Find("[data-testid='recover']").Click();

        cut.WaitForAssertion(() => Assert.Contains("Recovered 1 failed delivery", cut.Markup));
        var all = await app.WaitForDeliveriesAsync(d => d.Count == 2 && d[1].Status == DeliveryStatus.Succeeded);
        Assert.Equal(failed.Id, all[1].ReplayedFrom);
        cut.WaitForAssertion(() => Assert.Equal(DeliveryStatus.Succeeded,
            cut.Find($"[data-testid='row-{all[1].Id}']").ParentElement!.QuerySelector("[data-testid='delivery-status']")!.TextContent.Trim()));

        // The event was delivered again: a second recovery of the same days sends nothing.
        cut.Find("[data-testid='recover']").Click();
        cut.WaitForAssertion(() => Assert.Contains("Nothing to recover", cut.Markup));
        Assert.Equal(2, (await app.DeliveriesAsync()).Count);
    }
}
