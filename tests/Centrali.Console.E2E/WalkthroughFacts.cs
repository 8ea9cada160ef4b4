using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

/// <summary>
/// What a new user does with a failing receiver, all in the browser: create a collection and a record, subscribe, watch the
/// delivery fail, search for it, open its event, retry it now, bulk-replay it once the receiver is back, export the log —
/// on a laptop and on a phone, in light and in dark mode, with a screenshot of every step.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WalkthroughFacts(ConsoleBrowser browser)
{
    // Each attempt that is not the last leaves the delivery pending; "Retry now" works only then, and only between attempts.
    const string AttemptedOrFinal = """
        n => document.querySelectorAll('[data-testid=attempt]').length > n
            || !document.querySelector('[data-testid=attempt-now]')
        """;

    [Theory]
    [InlineData(1440, "light")]
    [InlineData(1440, "dark")]
    [InlineData(390, "light")]
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
        try { await WalkAsync(page, receiver, shot, suffix, slug, marker, scheme); }
        catch
        {
            // The page as it was when a step gave up: the quickest way to see why.
            await page.ShotAsync(shot, "failed");
            throw;
        }
        await page.Context.CloseAsync();
    }

    static async Task WalkAsync(IPage page, Receiver receiver, string shot, string suffix, string slug, string marker, string scheme)
    {
        await ConsoleBrowser.LoginAsync(page);
        // The console follows the system's colour scheme.
        await Expect(page.Locator("[data-interactive=true]")).ToHaveAttributeAsync("data-theme", scheme);

        // A collection (creating it opens it), then a record in it.
        await GoAsync(page, "/collections", "^Collections");
        await page.GetByTestId("new-collection").ClickAsync();
        await page.GetByTestId("collection-name").FillAsync($"Walk orders {suffix}");
        // The slug follows the name until it is typed; the typing waits for that, or the two would mix.
        await Expect(page.GetByTestId("collection-slug")).ToHaveValueAsync($"walk-orders-{suffix}");
        await page.GetByTestId("collection-slug").FillAsync(slug);
        await Expect(page.GetByTestId("collection-slug")).ToHaveValueAsync(slug);
        await page.GetByTestId("save-collection").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/collections/{slug}$"));
        await page.GetByTestId("new-record").ClickAsync();
        await page.GetByTestId("record-json").FillAsync($$"""{"customer": "{{marker}}", "total": 210}""");
        await page.GetByTestId("save-record").ClickAsync();
        await Expect(page.GetByTestId("collection-record-count")).ToHaveTextAsync("1 record");
        await page.ShotAsync(shot, "1-record");
        await page.AssertFitsAsync("1-record");

        // A subscription to the failing receiver, then a change of the record: its delivery fails.
        await GoAsync(page, "/webhooks", "^Webhooks");
        await page.GetByTestId("new-subscription").ClickAsync();
        await page.GetByTestId("subscription-name").FillAsync($"walk receiver {suffix}");
        await page.GetByTestId("subscription-url").FillAsync(receiver.Url + "/hook");
        await page.GetByTestId("subscription-collections").FillAsync(slug);
        // With both advanced parts open, the dialog stays within a laptop screen (its content may scroll inside).
        await page.GetByTestId("advanced").ClickAsync();
        await page.GetByTestId("advanced-delivery").ClickAsync();
        await Expect(page.GetByTestId("subscription-timeout")).ToBeVisibleAsync();
        if (page.ViewportSize!.Width > 600)
        {
            var over = await page.EvaluateAsync<int>("""
                () => {
                    const r = document.querySelector('.mud-dialog').getBoundingClientRect();
                    return Math.ceil(Math.max(r.bottom - innerHeight, -r.top));
                }
                """);
            Assert.True(over <= 0, $"the subscription dialog reaches {over} px beyond a {page.ViewportSize.Width}x{page.ViewportSize.Height} screen");
        }
        await page.ShotAsync(shot, "2-subscription-form");
        await page.AssertFitsAsync("2-subscription-form");
        await page.GetByTestId("save-subscription").ClickAsync();
        await page.GetByTestId("done").ClickAsync();
        await Expect(page.GetByTestId("subscription-link").Filter(new() { HasText = $"walk receiver {suffix}" })).ToBeVisibleAsync();

        await GoAsync(page, $"/collections/{slug}", "^Walk orders");
        await page.GetByTestId("edit-record").ClickAsync();
        await page.GetByTestId("record-json").FillAsync($$"""{"customer": "{{marker}}", "total": 220}""");
        await page.GetByTestId("save-record").ClickAsync();
        await Expect(page.GetByTestId("record-json")).ToBeHiddenAsync();

        // Search the log for text in the payload: exactly that delivery, failing with the receiver's 500.
        await GoAsync(page, "/deliveries", "^Deliveries");
        await page.GetByTestId("search").FillAsync(marker);
        await Expect(page).ToHaveURLAsync(new Regex($"[?&]q={marker}"));
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("1 delivery");
        var row = page.Locator("tr.delivery-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("last-code")).ToHaveTextAsync("500");
        await page.ShotAsync(shot, "3-search");
        await page.AssertFitsAsync("3-search");

        // From the row to the delivery, still pending: "Retry now" makes the next attempt at once instead of after the wait.
        await row.GetByTestId("delivery-id").Locator("a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/deliveries/[0-9a-f-]{36}$"));
        var deliveryPath = new Uri(page.Url).AbsolutePath;
        await Expect(page.GetByTestId("attempt")).Not.ToHaveCountAsync(0);
        var before = await page.GetByTestId("attempt").CountAsync();
        await page.GetByTestId("attempt-now").ClickAsync();
        await Expect(page.GetByTestId("attempt").Nth(before)).ToBeVisibleAsync();
        await page.ShotAsync(shot, "4-retried-now");
        await page.AssertFitsAsync("4-retried-now");

        // Its event: every delivery it became, and the payload; back to the delivery from there.
        await page.GetByTestId("event-id").Locator("a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/events/[0-9a-f-]{36}$"));
        var eventDelivery = page.GetByTestId("event-deliveries").Locator("tr.event-delivery");
        await Expect(eventDelivery).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("payload")).ToContainTextAsync(marker);
        await page.ShotAsync(shot, "5-event");
        await page.AssertFitsAsync("5-event");
        await eventDelivery.GetByTestId("delivery-id").Locator("a").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"{deliveryPath}$"));
        await Expect(page.GetByTestId("attempts-timeline")).ToBeVisibleAsync();

        // The rest of its attempts, each made now (or by its own schedule, whichever comes first): it ends failed.
        for (var i = 0; i < 10 && await page.GetByTestId("attempt-now").CountAsync() > 0; i++)
        {
            var made = await page.GetByTestId("attempt").CountAsync();
            // A script click: the button may go away between looking and clicking, and then there is nothing left to retry.
            await page.EvaluateAsync("() => document.querySelector('[data-testid=attempt-now]')?.click()");
            await page.WaitForFunctionAsync(AttemptedOrFinal, made, new() { Timeout = 15_000 });
        }
        await Expect(page.GetByTestId("delivery-status").First).ToHaveTextAsync("failed");

        // The receiver is back: replay all that match the search, behind a confirmation that says how many.
        receiver.StatusCode = 200;
        await GoAsync(page, $"/deliveries?q={marker}", "^Deliveries");
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("1 delivery");
        await page.GetByTestId("bulk-replay").ClickAsync();
        await Expect(page.GetByText("Replay the one delivery that matches the filter?")).ToBeVisibleAsync();
        await page.ShotAsync(shot, "6-bulk-confirm");
        await page.AssertFitsAsync("6-bulk-confirm");
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Replay 1" }).ClickAsync();
        await Expect(page.GetByTestId("total")).ToHaveTextAsync("2 deliveries");
        var newest = page.Locator("tr.delivery-row").First;
        await Expect(newest.GetByTestId("replay-mark")).ToBeVisibleAsync();
        await Expect(newest.GetByTestId("delivery-status")).ToHaveTextAsync("succeeded");
        await page.ShotAsync(shot, "7-bulk-replayed");
        await page.AssertFitsAsync("7-bulk-replayed");

        // Export the same filter: the console's download carries both deliveries.
        await page.GetByTestId("export").ClickAsync();
        var href = await page.GetByTestId("export-csv").GetAttributeAsync("href");
        Assert.Contains($"q={marker}", href);
        await page.ShotAsync(shot, "8-export");
        await page.AssertFitsAsync("8-export");
        var csv = await page.Context.APIRequest.GetAsync(href!);
        Assert.Equal(200, csv.Status);
        var lines = (await csv.TextAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.Contains(",failed,"));
        Assert.Contains(lines, l => l.Contains(",succeeded,"));
    }

    /// <summary>Navigates inside the circuit and waits for the new page's title (its content may still be the old page's before).</summary>
    static async Task GoAsync(IPage page, string url, string title)
    {
        await page.EvaluateAsync("url => Blazor.navigateTo(url)", url);
        await Expect(page).ToHaveTitleAsync(new Regex(title));
    }
}
