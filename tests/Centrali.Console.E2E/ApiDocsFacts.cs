using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

[Collection(BrowserCollection.Name)]
public sealed class ApiDocsFacts(ConsoleBrowser browser)
{
    [Fact]
    public async Task ApiReference_LoadsInTheBrowserAndListsEveryRoute()
    {
        using var http = new HttpClient { BaseAddress = browser.Server.BaseAddress };
        var document = (await http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var summaries = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Where(m => m.Value?["summary"] is not null).Select(m => (string)m.Value!["summary"]!))
            .ToList();
        Assert.True(summaries.Count >= 24);

        var page = await browser.NewPageAsync();
        await page.GotoAsync("/api-docs");
        await Expect(page.GetByText("Centrali Console API").First).ToBeVisibleAsync();
        // Every operation is in the reference, by its summary.
        foreach (var summary in summaries)
            await Expect(page.GetByText(summary, new() { Exact = true }).First).ToBeAttachedAsync();
        await page.ShotAsync("api-docs", "1-reference", fullPage: false);
    }
}
