using Bunit;
using Centrali.Console.Components.Layout;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Components;

public sealed class NavMenuFacts : BunitContext
{
    public NavMenuFacts()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    string[] Links(IRenderedComponent<NavMenu> menu) =>
        menu.FindAll("a.mud-nav-link").Select(a => a.TextContent.Trim()).ToArray();

    [Fact]
    public void Admin_SeesEverySection_AndTheAdminSettings()
    {
        AddAuthorization().SetAuthorized("admin@example.com").SetRoles("Admin");
        var menu = Render<NavMenu>();

        Assert.Equal(["Dashboard", "Collections", "Webhooks", "Deliveries", "API tokens", "Members", "Alerts", "Users", "Workspaces", "API reference", "Hangfire"], Links(menu));
        Assert.Contains("Settings", menu.Find(".mud-nav-group").TextContent);
        Assert.Equal("/hangfire", menu.Find("a[href='/hangfire']").GetAttribute("href"));
    }

    [Fact]
    public void Member_DoesNotSeeUsersWorkspacesOrHangfire()
    {
        AddAuthorization().SetAuthorized("member@example.com").SetRoles("Member");
        var menu = Render<NavMenu>();

        Assert.Equal(["Dashboard", "Collections", "Webhooks", "Deliveries", "API tokens", "Members", "Alerts", "API reference"], Links(menu));
        Assert.Empty(menu.FindAll("a[href='/settings/users'], a[href='/settings/workspaces'], a[href='/hangfire']"));
    }

    [Fact]
    public void Links_PointAtTheirPages()
    {
        AddAuthorization().SetAuthorized("admin@example.com").SetRoles("Admin");
        var menu = Render<NavMenu>();

        var hrefs = menu.FindAll("a.mud-nav-link").Select(a => a.GetAttribute("href") ?? "").ToArray();
        Assert.Equal(["/", "/collections", "/webhooks", "/deliveries", "/settings/tokens", "/settings/members", "/settings/alerts", "/settings/users", "/settings/workspaces", "/api-docs", "/hangfire"], hrefs);
    }

    [Theory]
    [InlineData(WorkspaceRole.Owner, true)]
    [InlineData(WorkspaceRole.Developer, false)]
    [InlineData(WorkspaceRole.Viewer, false)]
    public void TheAuditLog_IsInTheMenuForOwnersOnly(string role, bool shown)
    {
        AddAuthorization().SetAuthorized("someone@example.com").SetRoles("Member");
        var workspace = new Workspace { Slug = "default", Name = "default" };
        Services.AddCascadingValue(_ => new WorkspaceAccess(workspace, role, "user-id", IsAdmin: false));
        var menu = Render<NavMenu>();

        Assert.Equal(shown, menu.FindAll("a[href='/settings/audit']").Count == 1);
    }
}
