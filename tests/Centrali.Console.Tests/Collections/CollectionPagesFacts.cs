using Centrali.Console.Tests.Records;

namespace Centrali.Console.Tests.Collections;

public sealed class CollectionPagesFacts
{
    [Fact]
    public async Task CollectionsPage_ShowsTheEmptyState_ThenTheTableOnceACollectionExists()
    {
        await using var app = new ConsoleApp();
        var (console, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);

        var empty = await console.GetStringAsync("/collections");
        Assert.Contains("No collections yet", empty);
        Assert.Contains("data-testid=\"new-collection\"", empty);

        await app.Api().CreateCollectionAsync("orders", "Shop orders");
        await app.Api().CreateRecordAsync("orders", """{"customer": "Ada"}""");
        var listed = await console.GetStringAsync("/collections");
        Assert.Contains("Shop orders", listed);
        Assert.Contains("data-testid=\"collections-table\"", listed);
    }

    [Fact]
    public async Task CollectionPage_RendersForAKnownSlug_AndSaysSoForAnUnknownOne()
    {
        await using var app = new ConsoleApp();
        await app.Api().CreateCollectionAsync("orders", "Shop orders");
        var (console, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);

        var page = await console.GetAsync("/collections/orders");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Shop orders", html);
        Assert.Contains("data-testid=\"new-record\"", html);

        Assert.Contains("No such collection", await console.GetStringAsync("/collections/nope"));
    }
}
