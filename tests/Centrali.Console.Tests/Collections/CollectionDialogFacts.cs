using Bunit;
using Centrali.Console.Collections;
using Centrali.Console.Collections.Pages;
using MudBlazor;

namespace Centrali.Console.Tests.Collections;

/// <summary>The create dialog rendered with bUnit against the real CollectionService of a running app.</summary>
public sealed class CollectionDialogFacts
{
    static async Task<(PageContext Ui, IRenderedComponent<MudDialogProvider> Dialogs, Workspace Workspace)> UiAsync(ConsoleApp app)
    {
        var (ui, workspace) = await app.PageContextAsync();
        ui.Render<MudPopoverProvider>();
        return (ui, ui.Render<MudDialogProvider>(), workspace);
    }

    static IRenderedComponent<CollectionDialog> Open(BunitContext ui, Workspace workspace, List<CollectionView> saved) =>
        ui.Render<CollectionDialog>(p => p
            .Add(x => x.Visible, true)
            .Add(x => x.Workspace, workspace)
            .Add(x => x.Saved, (CollectionView c) => saved.Add(c)));

    static AngleSharp.Dom.IElement Input(IRenderedComponent<MudDialogProvider> dialogs, string testId) =>
        dialogs.Find($"input[data-testid={testId}], [data-testid={testId}] input");

    [Fact]
    public async Task Slug_IsValidatedAsYouType_AndSaveIsDisabledWhileInvalid()
    {
        await using var app = new ConsoleApp();
        var (ui, dialogs, workspace) = await UiAsync(app);
        await using var _ = ui;
        Open(ui, workspace, []);

        dialogs.WaitForAssertion(() => Input(dialogs, "collection-slug"));
        Input(dialogs, "collection-name").Input("Shop Orders");
        dialogs.WaitForAssertion(() => Assert.Equal("shop-orders", Input(dialogs, "collection-slug").GetAttribute("value")));
        Assert.DoesNotContain("Not a valid slug", dialogs.Markup);

        Input(dialogs, "collection-slug").Input("Bad Slug!");
        dialogs.WaitForAssertion(() => Assert.Contains("Not a valid slug", dialogs.Markup));
        Assert.True(dialogs.Find("button[data-testid=save-collection]").HasAttribute("disabled"));

        Input(dialogs, "collection-slug").Input("orders_2026");
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("Not a valid slug", dialogs.Markup));
        Assert.False(dialogs.Find("button[data-testid=save-collection]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Save_CreatesTheCollection_AndShowsADuplicateSlugUnderTheSlug()
    {
        await using var app = new ConsoleApp();
        var (ui, dialogs, workspace) = await UiAsync(app);
        await using var _ = ui;
        var saved = new List<CollectionView>();
        await ui.Services.GetRequiredService<CollectionService>().CreateAsync(workspace.Id, new CollectionInput("Taken", "taken", null));
        Open(ui, workspace, saved);

        dialogs.WaitForAssertion(() => Input(dialogs, "collection-name"));
        Input(dialogs, "collection-name").Input("Taken");
        await dialogs.Find("button[data-testid=save-collection]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Contains("already exists", dialogs.Markup));
        Assert.Empty(saved);

        Input(dialogs, "collection-slug").Input("fresh");
        await dialogs.Find("button[data-testid=save-collection]").ClickAsync(new());
        dialogs.WaitForAssertion(() => Assert.Single(saved));
        Assert.Equal("fresh", saved[0].Slug);
        Assert.Equal("Taken", saved[0].Name);
    }

    [Theory]
    [InlineData("Shop Orders 2026", "shop-orders-2026")]
    [InlineData("  --Ünïcode names--  ", "n-code-names")]
    [InlineData("a_b", "a_b")]
    public void SlugFrom_SuggestsAValidSlug(string name, string slug)
    {
        Assert.Equal(slug, CollectionDialog.SlugFrom(name));
        Assert.Null(CollectionDialog.SlugError(slug));
    }
}
