using Centrali.Console.Collections;
using Centrali.Console.Records;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Subscriptions;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

/// <summary>Every console page, with data in it, in light and dark mode: no error bar, and a screenshot to look at.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TourFacts(ConsoleBrowser browser)
{
    [Fact]
    public async Task EveryPage_RendersWithoutError_InLightAndDarkMode()
    {
        await using var receiver = await Receiver.StartAsync();
        var (collection, subscription, delivery) = await SeedAsync(receiver.Url + "/tour");
        var pages = new (string Name, string Url, string Title, string Ready)[]
        {
            ("dashboard", "/", "^Dashboard", "h4"),
            ("collections", "/collections", "^Collections", "[data-testid=collections-table]"),
            ("collection", $"/collections/{collection}", "^Tour orders", "[data-testid=record-id]"),
            ("webhooks", "/webhooks", "^Webhooks", "[data-testid=subscription-link]"),
            ("subscription", $"/webhooks/{subscription}", "^tour receiver", "[data-testid=subscription-deliveries] tr.delivery-row"),
            ("deliveries", "/deliveries", "^Deliveries", "tr.delivery-row"),
            ("delivery", $"/deliveries/{delivery}", "^Delivery ·", "[data-testid=attempts-timeline]"),
            ("tokens", "/settings/tokens", "^API tokens", "h4"),
            ("users", "/settings/users", "^Users", "h4"),
            ("workspaces", "/settings/workspaces", "^Workspaces", "h4"),
        };
        var page = await browser.NewPageAsync();
        await ConsoleBrowser.LoginAsync(page);
        foreach (var mode in new[] { "light", "dark" })
        {
            if (mode == "dark")
            {
                await page.GetByLabel("toggle dark mode").ClickAsync();
                // Away from the toggle, so its tooltip is not in every picture.
                await page.Mouse.MoveAsync(640, 780);
            }
            foreach (var (name, url, title, ready) in pages)
            {
                // Navigating inside the circuit keeps the chosen mode.
                await page.EvaluateAsync("url => Blazor.navigateTo(url)", url);
                await Expect(page).ToHaveTitleAsync(new System.Text.RegularExpressions.Regex(title));
                await Expect(page.Locator(ready).First).ToBeVisibleAsync();
                await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
                await page.ShotAsync("tour", $"{mode}-{name}");
            }
        }
    }

    async Task<(string Collection, Guid Subscription, Guid Delivery)> SeedAsync(string url)
    {
        await using var scope = browser.Server.Scope();
        var services = scope.ServiceProvider;
        var workspace = await services.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var slug = $"tour-{Guid.NewGuid():N}"[..12];
        await services.GetRequiredService<CollectionService>().CreateAsync(workspace.Id, new CollectionInput("Tour orders", slug, "Orders shown in the tour"));
        var subscription = await services.GetRequiredService<SubscriptionService>().CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = $"tour receiver {slug}", Url = url, Events = ["record_created", "record_updated"], CollectionSlugs = [slug],
        });
        foreach (var (customer, total) in new[] { ("acme", 210), ("globex", 99), ("initech", 1200) })
            await services.GetRequiredService<RecordService>().CreateAsync(workspace.Id, workspace.Slug, slug,
                JsonSerializer.Serialize(new { customer, total, paid = total < 1000 }));
        var done = await services.GetRequiredService<DeliveryService>().SucceededAsync(workspace.Id, subscription.Id, 3);
        return (slug, subscription.Id, done[0].Id);
    }
}
