using AngleSharp.Dom;
using Bunit;
using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Webhooks.Subscriptions.Pages;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Centrali.Console.Tests.Features;

/// <summary>bUnit on the real service: the editor's delivery fields, and the detail page's rate, headers and ed25519 key.</summary>
[Collection(FeaturesApp.Collection)]
public sealed class FeatureConsoleFacts(FeaturesApp fixture)
{
    ConsoleApp App => fixture.App;

    [Fact]
    public async Task TheEditor_SetsRetriesTimeoutRateLimitAndHeaders_AndKeepsAMaskedSecretHeader()
    {
        var (ui, workspace) = await App.PageContextAsync();
        await using var _ = ui;
        var service = App.Service<SubscriptionService>();
        var existing = await service.CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = "console-features", Url = "https://customer.example.com/hook", Events = ["record_created"], CollectionSlugs = ["console-features"],
            SecretHeaders = new Dictionary<string, string?> { ["Authorization"] = "Bearer kept-secret-value-z7" },
        });
        SubscriptionView? saved = null;
        var cut = ui.Render<SubscriptionEditor>(p => p
            .Add(x => x.WorkspaceId, workspace.Id)
            .Add(x => x.Existing, existing with { Secret = null })
            .Add(x => x.OnSaved, (SubscriptionView v) => saved = v));

        cut.Find("[data-testid='advanced-delivery']").Click();
        var shown = cut.InputOf("subscription-secret-headers");
        Assert.Equal("Authorization: Bea…z7", shown.GetAttribute("value") ?? shown.TextContent.Trim());
        cut.InputOf("subscription-retry-delays").Change("00:00:05, PT1M");
        cut.InputOf("subscription-timeout").Change("10");
        cut.InputOf("subscription-rate-limit").Change("20");
        cut.InputOf("subscription-headers").Change("X-Tenant: acme");
        cut.Find("[data-testid='save-subscription']").Click();

        cut.WaitForAssertion(() => Assert.NotNull(saved));
        Assert.Equal(["00:00:05", "00:01:00"], saved!.RetryDelays);
        Assert.Equal(10, saved.Timeout);
        Assert.Equal(20, saved.RateLimit);
        Assert.Equal("acme", saved.Headers["X-Tenant"]);
        Assert.Equal("Bea…z7", saved.SecretHeaders["Authorization"]);
        await using var db = await App.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var row = await db.Subscriptions.SingleAsync(s => s.Id == existing.Id);
        Assert.Contains("Bearer kept-secret-value-z7", App.Service<SubscriptionSecrets>().Unprotect(row.SecretHeadersCipher!));
    }

    [Fact]
    public async Task TheDetailPage_ShowsTheEffectiveRate_TheHeadersMasked_AndAnEd25519PublicKeyWithItsReceiverCode()
    {
        var (ui, workspace) = await App.PageContextAsync();
        await using var _ = ui;
        var created = await App.Service<SubscriptionService>().CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = "console-ed25519", Url = "https://customer.example.com/hook", Events = ["record_created"], CollectionSlugs = ["console-ed25519"], SignatureScheme = "ed25519",
            RateLimit = 20, Ordering = "record",
            Headers = new Dictionary<string, string?> { ["X-Tenant"] = "acme" },
            SecretHeaders = new Dictionary<string, string?> { ["Authorization"] = "Bearer page-secret-value-q4" },
        });
        // As adaptive throttling leaves it after a 429.
        await using (var db = await App.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
            await db.Subscriptions.Where(s => s.Id == created.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.EffectiveRate, 10.0).SetProperty(s => s.ThrottledAt, DateTime.UtcNow));

        var cut = ui.RenderPage<SubscriptionPage>(p => p.Add(x => x.Id, created.Id));

        var key = cut.WaitForElement("[data-testid='public-key']").TextContent.Trim();
        Assert.Equal(created.PublicKey, key);
        Assert.Contains("now 10/s", cut.Find("[data-testid='effective-rate']").TextContent);
        Assert.Contains("20/s", cut.Find("[data-testid='detail-rate-limit']").TextContent);
        Assert.Contains("record", cut.Find("[data-testid='detail-ordering']").TextContent);
        var headers = cut.Find("[data-testid='detail-headers']").TextContent;
        Assert.Contains("X-Tenant: acme", headers);
        Assert.Contains("Authorization: Bea…q4", headers);
        Assert.DoesNotContain("page-secret-value", cut.Markup);
        Assert.Contains("v1a", cut.Find("[data-testid='verify-ed25519']").TextContent);
        Assert.Contains("crypto.verify", cut.Find("[data-testid='verify-node']").TextContent);
        Assert.Empty(cut.FindAll("[data-testid='detail-header']"));
    }
}
