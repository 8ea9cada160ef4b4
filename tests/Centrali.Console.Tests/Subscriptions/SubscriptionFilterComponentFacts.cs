using AngleSharp.Dom;
using Bunit;
using Centrali.Console.Collections;
using Centrali.Console.Records;
using Centrali.Console.Webhooks.Subscriptions.Pages;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Subscriptions;

/// <summary>bUnit on the real service: the filter field's live validation and the detail page's "try it".</summary>
public sealed class SubscriptionFilterComponentFacts
{
    static IElement FilterBox<T>(IRenderedComponent<T> cut) where T : Microsoft.AspNetCore.Components.IComponent =>
        cut.Find("[data-testid='subscription-filter']") is { TagName: "TEXTAREA" } e ? e : cut.Find("[data-testid='subscription-filter'] textarea, textarea[data-testid='subscription-filter']");

    [Fact]
    public async Task FilterField_ShowsThePositionErrorAsYouType_AndSavesAValidFilter()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        SubscriptionView? saved = null;
        var cut = ui.Render<SubscriptionEditor>(p => p.Add(x => x.WorkspaceId, workspace.Id).Add(x => x.OnSaved, (SubscriptionView v) => saved = v));

        FilterBox(cut).Input("data.status == ");
        cut.WaitForAssertion(() => Assert.Contains("at position 16: expected a value", cut.Markup));
        FilterBox(cut).Input("data.status == \"pending\"");
        cut.WaitForAssertion(() => Assert.DoesNotContain("at position", cut.Markup));

        cut.Find("[data-testid='subscription-name'] input, input[data-testid='subscription-name']").Change("acme");
        cut.Find("[data-testid='subscription-url'] input, input[data-testid='subscription-url']").Input("https://customer.example.com/hook");
        cut.Find("[data-testid='save-subscription']").Click();
        cut.WaitForElement("[data-testid='done']").Click();
        Assert.Equal("data.status == \"pending\"", saved?.Filter);
    }

    [Fact]
    public async Task TryIt_EvaluatesTheFilterOnTheLatestRecord()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        await using var scope = app.Scope();
        await scope.ServiceProvider.GetRequiredService<CollectionService>().CreateAsync(workspace.Id, new CollectionInput("Orders", "orders", null));
        await scope.ServiceProvider.GetRequiredService<RecordService>().CreateAsync(workspace.Id, workspace.Slug, "orders", """{"status":"pending","total":150}""");
        var subscription = await app.Service<SubscriptionService>().CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = "acme", Url = "https://customer.example.com/hook", Events = ["record_updated"], CollectionSlugs = ["orders"], Filter = "data.total >= 100",
        });

        var cut = ui.Render<FilterTryPanel>(p => p.Add(x => x.Subscription, subscription with { Secret = null }).Add(x => x.Workspace, workspace));
        Assert.Equal("data.total >= 100", cut.Find("[data-testid='detail-filter']").TextContent);
        cut.Find("[data-testid='try-filter']").Click();
        cut.WaitForAssertion(() => Assert.Contains("Matches: this event would be delivered", cut.Find("[data-testid='try-outcome']").TextContent));
        Assert.Contains("\"total\":150", cut.Find("[data-testid='try-body']").TextContent);
    }
}

public sealed class RotateOverlapComponentFacts
{
    [Fact]
    public async Task RotateDialog_OffersAnOverlap_AndTheDetailPageShowsWhenTheOldSecretStopsSigning()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var created = await app.Service<SubscriptionService>().CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = "acme", Url = "https://customer.example.com/hook", Events = ["record_created"],
        });
        var cut = ui.RenderPage<SubscriptionPage>(p => p.Add(x => x.Id, created.Id));

        cut.WaitForElement("[data-testid='rotate-secret']").Click();
        cut.WaitForElement("[data-testid='overlap-24h'] input, input[data-testid='overlap-24h']").Click();
        cut.Find("[data-testid='confirm']").Click();
        cut.WaitForElement("[data-testid='one-time-secret']");
        cut.Find("[data-testid='done']").Click();

        var until = cut.WaitForElement("[data-testid='previous-secret-expires']").TextContent;
        var read = await app.Service<SubscriptionService>().GetAsync(workspace.Id, created.Id);
        Assert.NotNull(read.PreviousSecretExpiresAt);
        Assert.Equal(DateTime.UtcNow.AddHours(24), read.PreviousSecretExpiresAt!.Value, TimeSpan.FromMinutes(1));
        Assert.Contains(read.PreviousSecretExpiresAt.Value.ToString("u"), until);
    }
}
