using Centrali.Console.Collections;
using Centrali.Console.Records;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Subscriptions;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

/// <summary>The console on a phone (390 px) and in the user's colour scheme.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LayoutFacts(ConsoleBrowser browser)
{
    [Fact]
    public async Task EveryPage_FitsA390PxScreen_WithoutScrollingSideways_AndTablesBecomeLabelledCards()
    {
        await using var receiver = await Receiver.StartAsync();
        var (collection, subscription, delivery, eventId, record) = await SeedAsync(receiver.Url + "/narrow");
        // The title changes only once the new page has rendered; a ready element alone may still be the previous page's.
        var pages = new (string Name, string Url, string Title, string Ready)[]
        {
            ("dashboard", "/", "^Dashboard", "h4"),
            ("collections", "/collections", "^Collections", "[data-testid=collections-table]"),
            ("collection", $"/collections/{collection}", "^Narrow orders", "[data-testid=record-id]"),
            ("record-events", $"/collections/{collection}/records/{record}/events", "^Record events", "[data-testid=record-events-table]"),
            ("webhooks", "/webhooks", "^Webhooks", "[data-testid=subscription-link]"),
            ("subscription", $"/webhooks/{subscription}", "^customer-acme", "[data-testid=subscription-deliveries] tr.delivery-row"),
            ("deliveries", "/deliveries", "^Deliveries", "tr.delivery-row"),
            ("delivery", $"/deliveries/{delivery}", "^Delivery", "[data-testid=attempts-timeline]"),
            ("event", $"/events/{eventId}", "^Event", "[data-testid=event-deliveries]"),
            ("tokens", "/settings/tokens", "^API tokens", "h4"),
            ("users", "/settings/users", "^Users", "h4"),
            ("workspaces", "/settings/workspaces", "^Workspaces", "h4"),
            ("members", "/settings/members", "^Members", "[data-testid=members-table]"),
            ("alerts", "/settings/alerts", "^Alerts", "[data-testid=operator-url]"),
            ("audit", "/settings/audit", "^Audit log", "[data-testid=audit-table]"),
        };
        var page = await browser.NewPageAsync(390, 844);
        await ConsoleBrowser.LoginAsync(page);
        foreach (var (name, url, title, ready) in pages)
        {
            await page.EvaluateAsync("url => Blazor.navigateTo(url)", url);
            await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex(title));
            await Expect(page.Locator(ready).First).ToBeVisibleAsync();
            await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
            await page.ShotAsync("narrow", name);
            await page.AssertFitsAsync(name);
        }

        // The app bar's title stays on one line.
        var appTitle = page.Locator(".app-title");
        var box = (await appTitle.BoundingBoxAsync())!;
        Assert.True(box.Height < 40, $"the title wraps ({box.Height} px tall)");

        // The log's rows are cards whose values carry their labels.
        await page.EvaluateAsync("url => Blazor.navigateTo(url)", "/deliveries");
        var cell = page.Locator("tr.delivery-row td[data-label='Attempts']").First;
        await Expect(cell).ToBeVisibleAsync();
        var label = await cell.EvaluateAsync<string>("td => getComputedStyle(td, '::before').content");
        Assert.Contains("Attempts", label);
    }

    [Fact]
    public async Task DarkMode_FollowsTheSystemSetting_AndRemembersTheChoiceAcrossReloads()
    {
        var page = await browser.NewPageAsync(colorScheme: Microsoft.Playwright.ColorScheme.Dark);
        await ConsoleBrowser.LoginAsync(page);
        var layout = page.Locator("[data-interactive=true]");
        await Expect(layout).ToHaveAttributeAsync("data-theme", "dark");
        await page.ShotAsync("dark-mode", "1-system-dark");

        await page.GetByLabel("toggle dark mode").ClickAsync();
        await Expect(layout).ToHaveAttributeAsync("data-theme", "light");
        await page.ReloadAsync();
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        // Chosen light on a dark system: the choice wins after a reload.
        await Expect(page.Locator("[data-interactive=true]")).ToHaveAttributeAsync("data-theme", "light");
        await page.ShotAsync("dark-mode", "2-chosen-light-after-reload");

        var light = await browser.NewPageAsync(colorScheme: Microsoft.Playwright.ColorScheme.Light);
        await ConsoleBrowser.LoginAsync(light);
        await Expect(light.Locator("[data-interactive=true]")).ToHaveAttributeAsync("data-theme", "light");
        await light.GetByLabel("toggle dark mode").ClickAsync();
        await light.ReloadAsync();
        await ConsoleBrowser.WaitForInteractiveAsync(light);
        await Expect(light.Locator("[data-interactive=true]")).ToHaveAttributeAsync("data-theme", "dark");
    }

    async Task<(string Collection, Guid Subscription, Guid Delivery, Guid Event, Guid Record)> SeedAsync(string url)
    {
        await using var scope = browser.Server.Scope();
        var services = scope.ServiceProvider;
        var workspace = await services.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var slug = $"narrow-{Guid.NewGuid():N}"[..14];
        await services.GetRequiredService<CollectionService>().CreateAsync(workspace.Id, new CollectionInput("Narrow orders with a long name", slug, "Orders for the 390 px check"));
        var subscription = await services.GetRequiredService<SubscriptionService>().CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = $"customer-acme-order-events-{slug}", Url = url + "/a/rather/long/path/that/must/wrap/on/a/phone", Events = ["record_created"], CollectionSlugs = [slug],
        });
        await services.GetRequiredService<RecordService>().CreateAsync(workspace.Id, workspace.Slug, slug,
            JsonSerializer.Serialize(new { customer = "acme", total = 210, note = "a long note that should wrap rather than push the page sideways" }));
        var done = await services.GetRequiredService<DeliveryService>().SucceededAsync(workspace.Id, subscription.Id, 1);
        return (slug, subscription.Id, done[0].Id, done[0].EventId, done[0].RecordId!.Value);
    }
}
