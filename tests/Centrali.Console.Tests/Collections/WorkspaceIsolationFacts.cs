using Centrali.Console.Auth;
using Centrali.Console.Tests.Records;
using static Centrali.Console.Tests.Records.RecordApi;

namespace Centrali.Console.Tests.Collections;

public sealed class WorkspaceIsolationFacts
{
    [Fact]
    public async Task AnotherWorkspacesToken_CannotListReadChangeOrDeleteCollectionsOrRecords()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.CreateCollectionAsync("orders");
        var id = (await api.CreateRecordAsync("orders", """{"secret": 1}""")).Id.ToString();

        var acmeToken = await app.OtherWorkspaceTokenAsync("acme");
        var acmeApi = app.Api(acmeToken);
        const string Acme = "/data/workspace/acme/api/v1";

        // Through its own workspace's route, default's objects do not exist.
        Assert.Empty((await (await acmeApi.GetAsync($"{Acme}/collections")).ReadJsonAsync())["data"]!.AsArray());
        await AssertProblemAsync(await acmeApi.GetAsync($"{Acme}/collections/orders"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.PutAsJsonAsync($"{Acme}/collections/orders", new { name = "mine" }), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.DeleteAsync($"{Acme}/collections/orders?force=true"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.GetAsync($"{Acme}/collections/orders/records"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.GetAsync($"{Acme}/collections/orders/records/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.SendRawAsync(HttpMethod.Put, $"{Acme}/collections/orders/records/{id}", "{}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.SendRawAsync(HttpMethod.Patch, $"{Acme}/collections/orders/records/{id}", "{}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.DeleteAsync($"{Acme}/collections/orders/records/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.PostRawAsync($"{Acme}/collections/orders/records", "{}"), HttpStatusCode.NotFound);

        // Through default's route, the acme token is refused the same way.
        await AssertProblemAsync(await acmeApi.GetAsync($"{Base}/collections"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.GetAsync($"{Base}/collections/orders/records/{id}"), HttpStatusCode.NotFound);
        await AssertProblemAsync(await acmeApi.DeleteAsync($"{Base}/collections/orders/records/{id}"), HttpStatusCode.NotFound);

        // Acme may use the same slug for its own collection, and lists only its own.
        await acmeApi.CreateCollectionAsync("orders", workspace: "acme");
        await acmeApi.CreateRecordAsync("orders", """{"acme": true}""", workspace: "acme");
        var acmeList = (await (await acmeApi.GetAsync($"{Acme}/collections")).ReadJsonAsync())["data"]!.AsArray();
        Assert.Equal(1, (int?)Assert.Single(acmeList)!["recordCount"]);
        var acmeRecords = (await (await acmeApi.GetAsync($"{Acme}/collections/orders/records")).ReadJsonAsync())["data"]!.AsArray();
        Assert.True((bool)Assert.Single(acmeRecords)!["data"]!["acme"]!);

        var ours = (await (await api.GetAsync($"{Base}/collections/orders/records/{id}")).ReadJsonAsync())["data"]!;
        Assert.Equal(1, (int?)ours["data"]!["secret"]);
        var events = await app.EventsAsync();
        Assert.Equal(2, events.Count);
        Assert.Equal("acme", (string?)events[1].Body()["workspaceSlug"]);
        await using var check = app.Scope();
        Assert.Equal(2, await check.ServiceProvider.GetRequiredService<AppDbContext>().Records.CountAsync());
    }
}
