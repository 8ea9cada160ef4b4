using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Centrali.Console.Operations.Alerts;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Dispatch;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

[Collection(BrowserCollection.Name)]
public sealed class AlertFacts(ConsoleBrowser browser)
{
    [Fact]
    public async Task Bell_CountsANewOperationalEventLive_AndShowsIt()
    {
        var page = await browser.NewPageAsync();
        await ConsoleBrowser.LoginAsync(page);
        await page.GotoAsync("/");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        var badge = page.GetByTestId("notifications-badge").Locator(".mud-badge");

        using var http = new HttpClient { BaseAddress = browser.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ConsoleApp.Token);
        var name = "Bell " + Guid.NewGuid().ToString("N")[..6];
        var created = await http.PostAsJsonAsync("/data/workspace/default/api/v1/webhook-subscriptions",
            new { name, url = "http://127.0.0.1:9/hook", events = new[] { "record_created" } });
        var id = Guid.Parse((string)(await created.Content.ReadFromJsonAsync<JsonObject>())!["data"]!["id"]!);
        var services = browser.Server.Services;
        var workspace = await services.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var unreadBefore = await services.GetRequiredService<OperatorService>().UnreadAsync(workspace.Id);

        // Five failed attempts in a row (the default Webhooks:FailingAfter) make the subscription failing.
        var health = services.GetRequiredService<EndpointHealthService>();
        for (var i = 0; i < 5; i++)
            await health.AttemptsRecordedAsync([new AttemptOutcome(workspace.Id, id, Guid.CreateVersion7(), "record_created", false, DeliveryStatus.Pending, DateTime.UtcNow, "HTTP 500 Internal Server Error")]);

        // No reload: the bell hears it.
        await Expect(badge).ToHaveTextAsync((unreadBefore + 1).ToString());
        await page.ShotAsync("alerts", "1-bell-badge");
        await page.GetByTestId("notifications-button").ClickAsync();
        await Expect(page.GetByTestId("notification").GetByText($"\"{name}\" failed 5 attempts in a row", new() { Exact = false })).ToBeVisibleAsync();
        await page.ShotAsync("alerts", "2-bell-open");
    }
}
