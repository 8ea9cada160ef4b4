using Centrali.Console.Data;
using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.EntityFrameworkCore;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

[Collection(BrowserCollection.Name)]
public sealed class SubscriptionFacts(ConsoleBrowser browser)
{
    static readonly Regex Secret = new(@"^whsec_[A-Za-z0-9+/]{43}=$");

    [Fact]
    public async Task Subscription_SecretIsShownOnceAndCopied_ThenRotated_AndTheHintChanges()
    {
        var page = await browser.NewPageAsync();
        // 127.0.0.1 is a secure context: with these the copy button's clipboard can be read back.
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await ConsoleBrowser.LoginAsync(page);
        await page.GotoAsync("/webhooks");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("current-workspace")).ToContainTextAsync("default");

        var name = $"acme-orders-{Guid.NewGuid():N}"[..20];
        await page.GetByTestId("new-subscription").ClickAsync();
        await page.GetByTestId("subscription-name").FillAsync(name);
        await page.GetByTestId("subscription-url").FillAsync("ftp://customer.example.com/hook");
        await page.GetByTestId("save-subscription").ClickAsync();
        await Expect(page.GetByText("must be absolute http:// or https://")).ToBeVisibleAsync();
        await page.ShotAsync("subscription", "1-url-refused");

        await page.GetByTestId("subscription-url").FillAsync("https://customer.example.com/webhooks");
        await page.GetByTestId("subscription-collections").FillAsync("orders");
        await page.GetByTestId("save-subscription").ClickAsync();

        var shown = page.GetByTestId("one-time-secret");
        await Expect(shown).ToHaveTextAsync(Secret);
        var secret = (await shown.TextContentAsync())!.Trim();
        await Expect(page.GetByText("it will not be shown again")).ToBeVisibleAsync();
        await page.GetByTestId("copy-secret").ClickAsync();
        // The copy goes through the server's circuit and back to the browser: read until it has landed (or 10 s pass).
        var copied = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(10); copied != secret && DateTime.UtcNow < deadline; await Task.Delay(100))
            copied = await page.EvaluateAsync<string>("() => navigator.clipboard.readText()");
        Assert.Equal(secret, copied);
        await page.ShotAsync("subscription", "2-secret-shown-once");

        await page.GetByTestId("done").ClickAsync();
        await Expect(shown).ToHaveCountAsync(0);
        var link = page.GetByTestId("subscription-link").GetByText(name);
        await Expect(link).ToBeVisibleAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync());
        await page.ShotAsync("subscription", "3-listed");

        await link.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/webhooks/[0-9a-f-]{36}$"));
        var hint = page.GetByTestId("secret-hint");
        await Expect(hint).ToHaveTextAsync(SubscriptionSecrets.Hint(secret));
        await Expect(page.GetByTestId("verify-panel")).ToBeVisibleAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync());
        var id = Guid.Parse(page.Url[^36..]);
        Assert.Equal(secret, await SigningSecretAsync(id));
        await page.ShotAsync("subscription", "4-detail-masked");

        await page.GetByTestId("rotate-secret").ClickAsync();
        await Expect(page.GetByTestId("confirm-text")).ToContainTextAsync("new secret signs every delivery");
        await page.ShotAsync("subscription", "5-rotate-confirmation");
        await page.GetByTestId("confirm").ClickAsync();
        await Expect(shown).ToHaveTextAsync(Secret);
        var rotated = (await shown.TextContentAsync())!.Trim();
        Assert.NotEqual(secret, rotated);
        await page.ShotAsync("subscription", "6-new-secret-shown-once");

        await page.GetByTestId("done").ClickAsync();
        await Expect(shown).ToHaveCountAsync(0);
        await Expect(hint).ToHaveTextAsync(SubscriptionSecrets.Hint(rotated));
        Assert.Equal(rotated, await SigningSecretAsync(id));
        var html = await page.ContentAsync();
        Assert.DoesNotContain(secret, html);
        Assert.DoesNotContain(rotated, html);
        await page.ShotAsync("subscription", "7-hint-changed");
    }

    async Task<string> SigningSecretAsync(Guid id)
    {
        await using var scope = browser.Server.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var subscription = await db.Subscriptions.AsNoTracking().SingleAsync(s => s.Id == id);
        return scope.ServiceProvider.GetRequiredService<SubscriptionSecrets>().SigningSecret(subscription);
    }
}
