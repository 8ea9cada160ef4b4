using AngleSharp.Dom;
using Bunit;
using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Webhooks.Subscriptions.Pages;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Subscriptions;

/// <summary>bUnit on the real service and database: the create form's validation, the one-time secret, the masked display.</summary>
public sealed class SubscriptionComponentFacts
{


    static IRenderedComponent<SubscriptionEditor> Editor(BunitContext ui, Workspace workspace, Action<SubscriptionView>? saved = null) =>
        ui.Render<SubscriptionEditor>(p => p
            .Add(x => x.WorkspaceId, workspace.Id)
            .Add(x => x.OnSaved, (SubscriptionView v) => saved?.Invoke(v)));

    [Fact]
    public async Task CreateForm_ShowsEachFieldsError_AndCreatesNothing()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var cut = Editor(ui, workspace);

        cut.InputOf("subscription-url").Input("ftp://customer.example.com/hook");
        foreach (var type in EventTypes.Subscribable) cut.InputOf($"event-{type}").Change(false);
        cut.Find("[data-testid='save-subscription']").Click();

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("A subscription needs a name", cut.Markup);
            Assert.Contains("must be absolute http:// or https://", cut.Markup);
            Assert.Contains("Choose at least one event", cut.Find("[data-testid='events-error']").TextContent);
        });
        Assert.Empty(cut.FindAll("[data-testid='one-time-secret']"));

        // A broken advanced field opens the advanced section and shows its error there.
        cut.InputOf("subscription-name").Change("acme");
        cut.InputOf("subscription-url").Input("https://customer.example.com/hook");
        cut.InputOf("event-record_created").Change(true);
        cut.Find("[data-testid='advanced']").Click();
        cut.InputOf("subscription-header").Change("Content-Length");
        cut.InputOf("subscription-prefix").Change("sha 256=");
        cut.Find("[data-testid='save-subscription']").Click();
        cut.WaitForAssertion(() =>
        {
            Assert.Contains("the sender sets itself or HTTP reserves", cut.Markup);
            Assert.Contains("printable ASCII without spaces", cut.Markup);
        });
        Assert.DoesNotContain("A subscription needs a name", cut.Markup);
        Assert.Empty((await app.Service<SubscriptionService>().ListAsync(workspace.Id)).Data);
    }

    [Fact]
    public async Task CreateForm_EndsOnTheOneTimeSecret_WithCopyAndWarning_ThenForgetsIt()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        SubscriptionView? saved = null;
        var cut = Editor(ui, workspace, v => saved = v);

        cut.InputOf("subscription-name").Change("acme orders");
        cut.InputOf("subscription-url").Input("https://customer.example.com/hook");
        cut.InputOf("subscription-collections").Change("orders, invoices");
        cut.Find("[data-testid='save-subscription']").Click();

        var shown = cut.WaitForElement("[data-testid='one-time-secret']").TextContent.Trim();
        Assert.StartsWith("whsec_", shown);
        Assert.Contains("it will not be shown again", cut.Markup);
        var created = (await app.Service<SubscriptionService>().ListAsync(workspace.Id)).Data.Single();
        Assert.Equal(["orders", "invoices"], created.CollectionSlugs);
        Assert.Equal(shown, await SubscriptionsApiFacts.SigningSecretAsync(app, created.Id));

        // The host re-rendering the dialog must not hide the secret before it was copied.
        cut.Render(p => p.Add(x => x.WorkspaceId, workspace.Id));
        Assert.Equal(shown, cut.Find("[data-testid='one-time-secret']").TextContent.Trim());

        cut.Find("[data-testid='copy-secret']").Click();
        Assert.Equal(shown, ui.JSInterop.VerifyInvoke("centrali.copy").Arguments[0]);

        cut.Find("[data-testid='done']").Click();
        Assert.NotNull(saved);
        Assert.Null(saved!.Secret);
        Assert.DoesNotContain(shown, cut.Markup);
    }

    [Fact]
    public async Task EditForm_ChangesTheSubscription_AndKeepsItsSecret()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var service = app.Service<SubscriptionService>();
        var existing = await service.CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = "acme", Url = "https://customer.example.com/hook", Events = ["record_created"],
        });
        SubscriptionView? saved = null;
        var cut = ui.Render<SubscriptionEditor>(p => p
            .Add(x => x.WorkspaceId, workspace.Id)
            .Add(x => x.Existing, existing with { Secret = null })
            .Add(x => x.OnSaved, (SubscriptionView v) => saved = v));

        Assert.Equal("acme", cut.InputOf("subscription-name").GetAttribute("value"));
        cut.InputOf("subscription-name").Change("acme renamed");
        cut.InputOf("event-record_deleted").Change(true);
        cut.Find("[data-testid='advanced']").Click();
        cut.InputOf("subscription-prefix").Change("sha256=");
        cut.Find("[data-testid='save-subscription']").Click();

        cut.WaitForAssertion(() => Assert.NotNull(saved));
        Assert.Equal("acme renamed", saved!.Name);
        Assert.Equal(["record_created", "record_deleted"], saved.Events);
        Assert.Equal("sha256=", saved.SignaturePrefix);
        Assert.Null(saved.Secret);
        Assert.Empty(cut.FindAll("[data-testid='one-time-secret']"));
        Assert.Equal(existing.Secret, await SubscriptionsApiFacts.SigningSecretAsync(app, existing.Id));
    }

    [Fact]
    public async Task DetailPage_ShowsTheMaskedSecretOnly_AndRotationShowsTheNewOneOnce()
    {
        await using var app = new ConsoleApp();
        var (ui, workspace) = await app.PageContextAsync();
        await using var _ = ui;
        var created = await app.Service<SubscriptionService>().CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = "acme", Url = "https://customer.example.com/hook", Events = ["record_created"],
        });

        var cut = ui.RenderPage<SubscriptionPage>(p => p.Add(x => x.Id, created.Id));

        var hint = cut.WaitForElement("[data-testid='secret-hint']");
        Assert.Equal(created.SecretHint, hint.TextContent.Trim());
        Assert.Matches("^whsec_….{4}$", hint.TextContent.Trim());
        Assert.DoesNotContain(created.Secret!, cut.Markup);
        Assert.DoesNotContain(created.Secret!["whsec_".Length..], cut.Markup);

        cut.Find("[data-testid='rotate-secret']").Click();
        cut.WaitForElement("[data-testid='confirm']").Click();

        var fresh = cut.WaitForElement("[data-testid='one-time-secret']").TextContent.Trim();
        Assert.NotEqual(created.Secret, fresh);
        Assert.Equal(fresh, await SubscriptionsApiFacts.SigningSecretAsync(app, created.Id));
        cut.WaitForAssertion(() => Assert.Equal(SubscriptionSecrets.Hint(fresh), cut.Find("[data-testid='secret-hint']").TextContent.Trim()));

        cut.Find("[data-testid='done']").Click();
        cut.WaitForAssertion(() => Assert.DoesNotContain(fresh, cut.Markup));
    }
}
