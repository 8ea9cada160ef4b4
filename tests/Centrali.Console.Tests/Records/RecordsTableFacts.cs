using Bunit;
using Centrali.Console.Collections;
using Centrali.Console.Records;
using Centrali.Console.Records.Pages;
using MudBlazor;

namespace Centrali.Console.Tests.Records;

/// <summary>The records table rendered with bUnit against the real services of a running app (real SQLite).</summary>
public sealed class RecordsTableFacts
{
    static async Task<(PageContext Ui, Workspace Workspace)> UiAsync(ConsoleApp app, int records)
    {
        var (ui, workspace) = await app.PageContextAsync();
        await ui.Services.GetRequiredService<CollectionService>().CreateAsync(workspace.Id, new CollectionInput("Orders", "orders", null));
        var service = ui.Services.GetRequiredService<RecordService>();
        for (var i = 0; i < records; i++)
            await service.CreateAsync(workspace.Id, workspace.Slug, "orders", $$"""{"n": {{i}}, "customer": "c{{i}}"{{(i % 2 == 0 ? ", \"even\": true" : "")}}}""");
        ui.Render<MudPopoverProvider>();
        ui.Render<MudDialogProvider>();
        return (ui, workspace);
    }

    [Fact]
    public async Task With60Records_ShowsAFirstPageOf50_ThenTheRemaining10OnTheNextPage()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await UiAsync(app, 60);
        await using var _ = ui;

        var table = ui.Render<RecordsTable>(p => p.Add(x => x.Workspace, workspace).Add(x => x.Collection, "orders").Add(x => x.PageSize, 50));
        table.WaitForAssertion(() => Assert.Equal(50, table.FindAll("[data-testid=record-id]").Count));
        Assert.Contains("1-50 of 60", table.Markup);
        // Newest first: the first row is the last record created.
        Assert.Contains(">59<", table.FindAll("tbody tr")[0].InnerHtml);

        var next = table.FindAll("button[aria-label]").First(b => b.GetAttribute("aria-label")!.Contains("Next", StringComparison.OrdinalIgnoreCase));
        await next.ClickAsync(new());
        table.WaitForAssertion(() => Assert.Equal(10, table.FindAll("[data-testid=record-id]").Count));
        Assert.Contains("51-60 of 60", table.Markup);
    }

    [Fact]
    public async Task Columns_AreTheMostCommonTopLevelKeys()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await UiAsync(app, 4);
        await using var _ = ui;

        var table = ui.Render<RecordsTable>(p => p.Add(x => x.Workspace, workspace).Add(x => x.Collection, "orders"));
        table.WaitForAssertion(() => Assert.Equal(4, table.FindAll("[data-testid=record-id]").Count));
        var headers = table.FindAll("thead th").Select(th => th.TextContent.Trim()).ToList();
        Assert.Equal(["Id", "n", "customer", "even", "Created", "Updated", ""], headers);
    }

    [Fact]
    public async Task Search_ShowsOnlyRecordsWhoseDataContainsTheTerm()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await UiAsync(app, 12);
        await using var _ = ui;

        var table = ui.Render<RecordsTable>(p => p.Add(x => x.Workspace, workspace).Add(x => x.Collection, "orders"));
        table.WaitForAssertion(() => Assert.Equal(12, table.FindAll("[data-testid=record-id]").Count));
        table.Find("[data-testid=record-search] input, input[data-testid=record-search]").Input("c1");
        // c1, c10, c11
        // The debounced search reloads from the database; on a loaded machine (and PostgreSQL) that may take seconds.
        table.WaitForAssertion(() => Assert.Equal(3, table.FindAll("[data-testid=record-id]").Count), TimeSpan.FromSeconds(20));
    }
}
