namespace Centrali.Console.Tests.Subscriptions;

/// <summary>The console pages as the real app prerenders them for a signed-in user.</summary>
public sealed class SubscriptionPagesFacts
{
    [Fact]
    public async Task ListAndDetailPages_Render_WithTheHintButNeverTheSecret()
    {
        await using var app = new ConsoleApp();
        var (client, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);

        var empty = await client.GetStringAsync("/webhooks");
        Assert.Contains("No webhook subscriptions yet", empty);

        var created = await SubscriptionsApiFacts.CreateAsync(app);
        var secret = created.Secret!;
        var list = await client.GetStringAsync("/webhooks");
        Assert.Contains("customer-acme-order-events", list);
        Assert.Contains("https://customer.example.com/webhooks", list);

        var detail = await client.GetAsync($"/webhooks/{created.Id}");
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        var html = await detail.Content.ReadAsStringAsync();
        // Prerendered HTML encodes the ellipsis (and maybe '='): compare decoded text.
        Assert.Contains(created.SecretHint, WebUtility.HtmlDecode(html));
        Assert.Contains("Verify on your side", html);
        Assert.DoesNotContain(secret, WebUtility.HtmlDecode(html));
        Assert.DoesNotContain(secret["whsec_".Length..^4], html);
    }
}
