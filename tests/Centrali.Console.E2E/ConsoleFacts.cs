using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Centrali.Console.Auth;
using Centrali.Console.Shared;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

[Collection(BrowserCollection.Name)]
public sealed class ConsoleFacts(ConsoleBrowser browser)
{
    [Fact]
    public async Task StaticAssets_AreServed()
    {
        using var http = new HttpClient { BaseAddress = browser.Server.BaseAddress };
        foreach (var path in new[] { "_framework/blazor.web.js", "_content/MudBlazor/MudBlazor.min.css", "_content/MudBlazor/MudBlazor.min.js", "app.css", "app.js" })
        {
            using var response = await http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Anonymous_VisitOfTheConsole_LandsOnTheLoginPage()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Log in" })).ToBeVisibleAsync();
        await page.ShotAsync("anonymous", "1-login-page");
    }

    [Fact]
    public async Task WrongPassword_ShowsTheError()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.Locator("#email").FillAsync(ConsoleApp.AdminEmail);
        await page.Locator("#password").FillAsync("not-the-password");
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("Wrong email or password");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await page.ShotAsync("wrong-password", "1-error");
    }

    [Fact]
    public async Task Login_ShowsTheShellOnTheDefaultWorkspace()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.ShotAsync("login", "1-form");
        await ConsoleBrowser.LoginAsync(page);
        await Expect(page).ToHaveURLAsync(new Regex("/$"));
        await Expect(page.GetByTestId("current-workspace")).ToContainTextAsync("default");
        foreach (var item in new[] { "Dashboard", "Collections", "Webhooks", "Deliveries", "API tokens", "Users", "Workspaces" })
            await Expect(page.Locator(".mud-nav-link", new() { HasText = item })).ToBeVisibleAsync();
        await page.ShotAsync("login", "2-dashboard");
    }

    [Fact]
    public async Task WorkspaceSwitcher_ChangesTheCurrentWorkspace()
    {
        // A user of its own, so that switching leaves the admin that other tests use on "default".
        const string email = "switcher@example.com";
        await using (var scope = browser.Server.Scope())
        {
            var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var home = await workspaces.EnsureAsync("default");
            var user = await scope.ServiceProvider.GetRequiredService<UserService>()
                .CreateAsync(email, ConsoleApp.AdminPassword, "Admin", home.Id, WorkspaceRole.Owner, mustChangePassword: false);
            await workspaces.CreateAsync("acme", "Acme Inc", user.Id);
        }
        var page = await browser.NewPageAsync();
        await ConsoleBrowser.LoginAsync(page, email);
        var chip = page.GetByTestId("current-workspace");
        await Expect(chip).ToContainTextAsync("default");

        await chip.ClickAsync();
        await Expect(page.GetByTestId("switch-acme")).ToBeVisibleAsync();
        await page.ShotAsync("switch-workspace", "1-menu");
        await page.GetByTestId("switch-acme").ClickAsync();
        await Expect(chip).ToContainTextAsync("acme");
        await page.ShotAsync("switch-workspace", "2-switched");

        // The choice belongs to the user, so it survives a reload.
        await page.ReloadAsync();
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("current-workspace")).ToContainTextAsync("acme");
    }

    [Fact]
    public async Task AUserOfWorkspaceA_CannotReachWorkspaceB_ByUrl_AndAViewerSeesNoWriteButtons()
    {
        const string email = "team-a-viewer@example.com";
        const string secretName = "team-b private hook";
        Guid subscriptionId;
        await using (var scope = browser.Server.Scope())
        {
            var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var users = scope.ServiceProvider.GetRequiredService<UserService>();
            var admin = (await users.ListAsync()).Single(u => u.Email == ConsoleApp.AdminEmail);
            var a = await workspaces.CreateAsync("team-a", "Team A", admin.Id);
            var b = await workspaces.CreateAsync("team-b", "Team B", admin.Id);
            await users.CreateAsync(email, ConsoleApp.AdminPassword, Roles.Member, a.Id, WorkspaceRole.Viewer, mustChangePassword: false);
            subscriptionId = (await scope.ServiceProvider.GetRequiredService<Centrali.Console.Webhooks.Subscriptions.SubscriptionService>()
                .CreateAsync(b.Id, new Centrali.Console.Webhooks.Subscriptions.SubscriptionInput { Name = secretName, Url = "https://example.com/hook", Events = ["record_created"] })).Id;
        }
        var page = await browser.NewPageAsync();
        await ConsoleBrowser.LoginAsync(page, email);
        await Expect(page.GetByTestId("current-workspace")).ToContainTextAsync("team-a");

        await page.GotoAsync($"/webhooks/{subscriptionId}");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("current-workspace")).ToContainTextAsync("team-a");
        await Expect(page.GetByText(secretName)).ToHaveCountAsync(0);
        await page.GetByTestId("current-workspace").ClickAsync();
        await Expect(page.GetByTestId("switch-team-a")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("switch-team-b")).ToHaveCountAsync(0);
        await page.ShotAsync("access", "1-other-workspace-by-url");

        // A viewer reads, but has no button that changes anything.
        await page.GotoAsync("/collections");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("h4", new() { HasText = "Collections" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("new-collection")).ToHaveCountAsync(0);
        await page.GotoAsync("/webhooks");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.Locator("h4", new() { HasText = "Webhooks" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("new-subscription")).ToHaveCountAsync(0);
        await page.ShotAsync("access", "2-viewer-webhooks");
    }

    [Fact]
    public async Task ApiToken_IsShownOnce_AndWorks_AndItsCreationIsAuditedWithTheBrowsersAddress()
    {
        var page = await browser.NewPageAsync();
        // As behind a TLS proxy on this host: the address the audit log records for console actions is the browser's, not the proxy's.
        await page.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["X-Forwarded-For"] = "203.0.113.50" });
        await ConsoleBrowser.LoginAsync(page);
        await page.GotoAsync("/settings/tokens");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("current-workspace")).ToContainTextAsync("default");

        await page.GetByTestId("new-token").ClickAsync();
        await page.GetByTestId("token-name").FillAsync("browser test");
        await page.ShotAsync("create-token", "1-name");
        await page.GetByTestId("create-token").ClickAsync();
        var secret = page.GetByTestId("one-time-secret");
        await Expect(secret).ToHaveTextAsync(new Regex("^cct_[A-Za-z0-9_-]{20,}$"));
        var value = (await secret.TextContentAsync())!.Trim();
        await Expect(page.GetByTestId("copy-secret")).ToBeVisibleAsync();
        await page.ShotAsync("create-token", "2-shown-once");

        await page.GetByTestId("done").ClickAsync();
        await Expect(secret).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("token-hint").GetByText(TokenService.Hint(value))).ToBeVisibleAsync();
        Assert.DoesNotContain(value, await page.ContentAsync());
        await page.ShotAsync("create-token", "3-listed-with-hint");

        // After a reload the value is nowhere either: only its hash was stored.
        await page.ReloadAsync();
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("token-hint").GetByText(TokenService.Hint(value))).ToBeVisibleAsync();
        Assert.DoesNotContain(value, await page.ContentAsync());

        using var http = new HttpClient { BaseAddress = browser.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", value);
        using var response = await http.GetAsync("data/workspace/default/api/v1/whoami");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("default", (string?)body["data"]!["workspace"]);
        Assert.Equal(TokenService.Hint(value), (string?)body["data"]!["tokenHint"]);

        await using var scope = browser.Server.Scope();
        var audited = (await scope.ServiceProvider.GetRequiredService<Centrali.Console.Audit.AuditLog>()
            .ListAsync(null, new Centrali.Console.Audit.AuditFilter(Centrali.Console.Audit.AuditActions.TokenCreated))).Data
            .Single(e => e.Target!.StartsWith("browser test"));
        Assert.Equal(ConsoleApp.AdminEmail, audited.Actor);
        Assert.Equal("203.0.113.50", audited.Ip);
    }
}
