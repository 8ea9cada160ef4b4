using System.Text.RegularExpressions;
using Centrali.Console.E2E.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

/// <summary>
/// What a new user does with a failing receiver, all in the browser: create a collection and a record, subscribe, watch the
/// delivery fail, search for it, open its event, retry it now, bulk-replay it once the receiver is back, export the log.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WalkthroughFacts(ConsoleBrowser browser)
{
    [Theory]
    [InlineData(1440, "light")]
    [InlineData(390, "dark")]
    public async Task FailingDelivery_IsFound_Inspected_RetriedNow_BulkReplayed_AndExported(int width, string scheme)
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.StatusCode = 500;
        var shot = $"walkthrough-{width}-{scheme}";
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var slug = $"walk-{suffix}";
        var marker = $"zeppelin-{suffix}";
        var page = await browser.NewPageAsync(width, width > 600 ? 900 : 844,
            scheme == "dark" ? Microsoft.Playwright.ColorScheme.Dark : Microsoft.Playwright.ColorScheme.Light);
        await ConsoleBrowser.LoginAsync(page);
        await Expect(page.Locator("[data-interactive=true]")).ToHaveAttributeAsync("data-theme", scheme);

        // Collection, then a record in it.
        await page.GotoAsync("/collections");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await page.GetByTestId("new-collection").ClickAsync();
        await page.GetByTestId("collection-name").FillAsync($"Walk orders {suffix}");
        await page.GetByTestId("collection-slug").FillAsync(slug);
        await page.GetByTestId("save-collection").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/collections/{slug}$"));
        await page.GetByTestId("new-record").ClickAsync();
        await page.GetByTestId("record-json").FillAsync($$"""{"customer": "{{marker}}", "total": 210}""");
        await page.GetByTestId("save-record").ClickAsync();
        await Expect(page.GetByTestId("collection-record-count")).ToHaveTextAsync("1 record");
        await page.ShotAsync(shot, "1-record");

        // A subscription to the failing receiver, then a change of the record: its delivery fails.
        await page.GotoAsync("/webhooks");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await page.GetByTestId("new-subscription").ClickAsync();
        await page.GetByTestId("subscription-name").FillAsync($"walk receiver {suffix}");
        await page.GetByTestId("subscription-url").FillAsync(receiver.Url + "/hook");
        await page.GetByTestId("subscription-collections").FillAsync(slug);
        await page.ShotAsync(shot, "2-subscription-form");
        await page.GetByTestId("save-subscription").ClickAsync();
        await page.GetByTestId("done").ClickAsync();

        await page.GotoAsync($"/collections/{slug}");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await page.GetByTestId("edit-record").ClickAsync();
        await page.GetByTestId("record-json").FillAsync($$"""{"customer": "{{marker}}", "total": 220}""");
        await page.GetByTestId("save-record").ClickAsync();

        // Straight to the failing delivery while it is still pending: retry now makes the next attempt at once.
        await page.GotoAsync("/deliveries");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        var newest = page.Locator("tr.delivery-row").First;
        await Expect(newest.GetByTestId("last-code")).ToHaveTextAsync("500");
        await newest.GetByTestId("delivery-id").Locator("a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/deliveries/[0-9a-f-]{36}$"));
        var deliveryUrl = page.Url;
        await page.GetByTestId("attempt-now").ClickAsync();
        await Expect(page.GetByTestId("attempt").Nth(1)).ToBeVisibleAsync();
        await page.ShotAsync(shot, "3-retried-now");

        // Search the log for text in the payload: exactly that delivery.
        await page.GotoAsync("/deliveries");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await page.GetByTestId("search").Locator("input").FillAsync(marker);
        await Expect(page).ToHaveURLAsync(new Regex($"[?&]q={marker}"));
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("1 delivery");
        var row = page.Locator("tr.delivery-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("delivery-id").Locator("a")).ToHaveAttributeAsync("href", new Uri(deliveryUrl).AbsolutePath);
        await page.ShotAsync(shot, "4-search");

        // Its event: every delivery it became.
        await page.GotoAsync(deliveryUrl);
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await page.GetByTestId("event-id").Locator("a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/events/[0-9a-f-]{36}$"));
        await Expect(page.GetByTestId("event-deliveries").Locator("tr.event-delivery")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("payload")).ToContainTextAsync(marker);
        await page.ShotAsync(shot, "5-event");

        // Out of attempts it fails; the receiver is back: replay all that match the search, behind a confirmation that says how many.
        await page.GotoAsync(deliveryUrl);
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("delivery-status")).ToHaveTextAsync("failed", new() { Timeout = 60_000 });
        receiver.StatusCode = 200;
        await page.GotoAsync($"/deliveries?q={marker}");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("1 delivery");
        await page.GetByTestId("bulk-replay").ClickAsync();
        await Expect(page.GetByText("Replay all 1 deliveries that match the filter?")).ToBeVisibleAsync();
        await page.ShotAsync(shot, "6-bulk-confirm");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Replay 1" }).ClickAsync();
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("2 deliveries");
        await Expect(page.Locator("tr.delivery-row").First.GetByTestId("replay-mark")).ToBeVisibleAsync();
        await Expect(page.Locator("tr.delivery-row").First.GetByTestId("delivery-status")).ToHaveTextAsync("succeeded");
        await page.ShotAsync(shot, "7-bulk-replayed");

        // Export the same filter: the console's download carries both deliveries.
        await page.GetByTestId("export").ClickAsync();
        var href = await page.GetByTestId("export-csv").GetAttributeAsync("href");
        Assert.Contains($"q={marker}", href);
        var csv = await page.Context.APIRequest.GetAsync(href!);
        Assert.Equal(200, csv.Status);
        var lines = (await csv.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains(",failed,"));
        Assert.Contains(lines, l => l.Contains(",succeeded,"));
        await page.ShotAsync(shot, "8-export");
    }
}
