using Centrali.Console.Data;
using Centrali.Console.Webhooks.Events;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

[Collection(BrowserCollection.Name)]
public sealed class CollectionFacts(ConsoleBrowser browser)
{
    [Fact]
    public async Task Collection_IsCreated_ARecordIsAddedEditedAndDeleted_ThenTheCollectionIsDeleted()
    {
        var page = await browser.NewPageAsync();
        await ConsoleBrowser.LoginAsync(page);
        await page.GotoAsync("/collections");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var name = $"E2E orders {suffix}";
        var slug = $"e2e-orders-{suffix}";

        // Create the collection; a bad slug is refused as it is typed.
        await page.GetByTestId("new-collection").ClickAsync();
        await page.GetByTestId("collection-name").FillAsync(name);
        await page.GetByTestId("collection-slug").FillAsync("Orders 2024!");
        await Expect(page.GetByTestId("save-collection")).ToBeDisabledAsync();
        await page.ShotAsync("collection", "1-bad-slug");
        await page.GetByTestId("collection-slug").FillAsync(slug);
        await Expect(page.GetByTestId("save-collection")).ToBeEnabledAsync();
        await page.GetByTestId("save-collection").ClickAsync();

        // Creating a collection takes the user into it, where its records are added.
        await Expect(page).ToHaveURLAsync(new Regex($"/collections/{slug}$"));
        await page.ShotAsync("collection", "2-created");

        // Add a record: a non-object is refused inline, an object is saved and listed.
        await Expect(page.GetByTestId("collection-title")).ToHaveTextAsync(name);
        await Expect(page.GetByTestId("collection-record-count")).ToHaveTextAsync("0 records");
        await page.GetByTestId("new-record").ClickAsync();
        var editor = page.GetByTestId("record-json");
        await editor.FillAsync("[1, 2, 3]");
        await Expect(page.GetByText("The data must be a JSON object")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("save-record")).ToBeDisabledAsync();
        await page.ShotAsync("collection", "3-record-not-an-object");
        await editor.FillAsync("""{"customer": "acme", "total": 210}""");
        await Expect(page.GetByTestId("save-record")).ToBeEnabledAsync();
        await page.GetByTestId("save-record").ClickAsync();
        var table = page.GetByTestId("records-table");
        await Expect(table.GetByText("acme")).ToBeVisibleAsync();
        await Expect(table.GetByRole(AriaRole.Cell, new() { Name = "210", Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("collection-record-count")).ToHaveTextAsync("1 record");
        await page.ShotAsync("collection", "4-record-created");

        // Edit its JSON.
        await page.GetByTestId("edit-record").ClickAsync();
        await Expect(editor).ToHaveValueAsync(new Regex("\"total\":\\s*210"));
        await editor.FillAsync("""{"customer": "acme", "total": 420, "paid": true}""");
        await page.ShotAsync("collection", "5-editing");
        await page.GetByTestId("save-record").ClickAsync();
        await Expect(table.GetByRole(AriaRole.Cell, new() { Name = "420", Exact = true })).ToBeVisibleAsync();
        await Expect(table.GetByRole(AriaRole.Cell, new() { Name = "210", Exact = true })).ToHaveCountAsync(0);
        await page.ShotAsync("collection", "6-record-edited");

        // Delete it behind the confirmation.
        await page.GetByTestId("delete-record").ClickAsync();
        await Expect(page.GetByText("will be deleted and a record_deleted webhook event sent")).ToBeVisibleAsync();
        await page.ShotAsync("collection", "7-delete-confirmation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("collection-record-count")).ToHaveTextAsync("0 records");
        await Expect(page.GetByTestId("record-id")).ToHaveCountAsync(0);
        await page.ShotAsync("collection", "8-record-deleted");

        // The three changes went out as one event each, in order, with the edit's data.
        await using (var scope = browser.Server.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var events = await db.Events.AsNoTracking().Where(e => e.CollectionSlug == slug).OrderBy(e => e.Id).ToListAsync();
            Assert.Equal([EventTypes.RecordCreated, EventTypes.RecordUpdated, EventTypes.RecordDeleted], events.Select(e => e.Type));
            Assert.Contains("\"total\":420", System.Text.Encoding.UTF8.GetString(events[1].Body));
        }

        // The now empty collection is deleted from the list.
        await page.GotoAsync("/collections");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        var row = page.Locator("tr", new() { Has = page.GetByTestId("collection-link").GetByText(name) });
        await row.GetByTestId("delete-collection").ClickAsync();
        await Expect(page.GetByText($"Delete the empty collection '{name}'")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("collection-link").GetByText(name)).ToHaveCountAsync(0);
        await page.ShotAsync("collection", "9-collection-deleted");
    }
}
