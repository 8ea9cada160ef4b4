using Bunit;
using Centrali.Console.Auth;
using Centrali.Console.Auth.Pages;
using MudBlazor;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Components;

/// <summary>The token page against a real TokenService on the real app's SQLite file.</summary>
public sealed class TokensPageFacts : BunitContext, IAsyncLifetime
{
    readonly ConsoleApp app = new();
    AsyncServiceScope scope;
    Workspace workspace = default!;

    public async Task InitializeAsync()
    {
        scope = app.Scope();
        workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        Services.AddMudServices();
        Services.AddSingleton(scope.ServiceProvider.GetRequiredService<TokenService>());
        Services.AddSingleton(app.Service<TimeProvider>());
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await scope.DisposeAsync();
        await app.DisposeAsync();
    }

    IRenderedComponent<TokensPage> RenderPage(string role = WorkspaceRole.Owner, string? userId = null)
    {
        var access = new WorkspaceAccess(workspace, role, userId ?? app.AdminIdAsync().GetAwaiter().GetResult(), IsAdmin: false);
        return Render<TokensPage>(p => p.AddCascadingValue(workspace).AddCascadingValue(access));
    }

    [Fact]
    public void ListsTokensByTheirHint_NeverTheirValue()
    {
        var page = RenderPage();

        page.WaitForAssertion(() => Assert.Contains(TokenService.Hint(ConsoleApp.Token),
            page.FindAll("[data-testid=token-hint]").Select(e => e.TextContent)));
        Assert.DoesNotContain(ConsoleApp.Token, page.Markup);
        Assert.Contains("/data/workspace/default/api/v1", page.Markup);
    }

    [Fact]
    public void CreatingAToken_ShowsItsValueOnce()
    {
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var page = RenderPage();
        page.WaitForElement("[data-testid=tokens-table]");

        page.Find("button[data-testid=new-token]").Click();
        dialogs.WaitForElement("input[data-testid=token-name]").Input("deploy script");
        dialogs.Find("button[data-testid=create-token]").Click();

        var secret = dialogs.WaitForElement("[data-testid=one-time-secret]");
        var value = secret.TextContent.Trim();
        Assert.StartsWith("cct_", value);
        Assert.NotNull(dialogs.Find("[data-testid=copy-secret]"));
        page.WaitForAssertion(() => Assert.Contains(TokenService.Hint(value),
            page.FindAll("[data-testid=token-hint]").Select(e => e.TextContent)));

        dialogs.Find("button[data-testid=done]").Click();
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=one-time-secret]")));
        Assert.DoesNotContain(value, dialogs.Markup + page.Markup);
    }

    [Fact]
    public void CreatingATokenWithoutAName_ShowsTheFieldError()
    {
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var page = RenderPage();
        page.WaitForElement("[data-testid=tokens-table]");

        page.Find("button[data-testid=new-token]").Click();
        dialogs.WaitForElement("button[data-testid=create-token]").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("A token needs a name", dialogs.Markup));
        Assert.Empty(dialogs.FindAll("[data-testid=one-time-secret]"));
    }

    [Fact]
    public async Task AViewer_SeesNoTokenAndNoNewTokenButton()
    {
        var (viewerId, _) = await app.MemberAsync("viewer@example.com", WorkspaceRole.Viewer);
        var page = RenderPage(WorkspaceRole.Viewer, viewerId);

        page.WaitForAssertion(() => Assert.Contains("Viewers have no API tokens", page.Markup));
        Assert.Empty(page.FindAll("[data-testid=new-token]"));
        Assert.Empty(page.FindAll("[data-testid=token-hint]"));
    }

    [Fact]
    public async Task ADeveloper_SeesOnlyTheirOwnTokens_AnOwnerSeesEveryOne()
    {
        var (developerId, developerToken) = await app.MemberAsync("dev@example.com", WorkspaceRole.Developer);

        var mine = RenderPage(WorkspaceRole.Developer, developerId);
        mine.WaitForAssertion(() => Assert.Equal([TokenService.Hint(developerToken!)], mine.FindAll("[data-testid=token-hint]").Select(e => e.TextContent)));

        var all = RenderPage();
        all.WaitForAssertion(() => Assert.Equal(
            new[] { TokenService.Hint(developerToken!), TokenService.Hint(ConsoleApp.Token) }.Order(),
            all.FindAll("[data-testid=token-hint]").Select(e => e.TextContent).Order()));
    }
}
