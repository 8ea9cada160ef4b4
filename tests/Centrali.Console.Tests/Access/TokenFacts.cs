using Centrali.Console.Auth;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Time.Testing;

namespace Centrali.Console.Tests.Access;

/// <summary>Tokens: owner, scope, expiry, revocation by API, by demotion, by removal and by user deletion; the hub drops a dead token.</summary>
public sealed class TokenFacts
{
    const string Base = "/data/workspace/default/api/v1";

    [Fact]
    public async Task PostTokens_AnswersTheValueOnce_AndTheListNeverShowsIt()
    {
        await using var app = new ConsoleApp();
        var created = await app.Api().PostJsonAsync($"{Base}/tokens", new { name = "ci", scope = "read", expiresAt = DateTime.UtcNow.AddDays(30) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var data = (await created.ReadJsonAsync())["data"]!;
        var value = (string)data["value"]!;
        Assert.StartsWith("cct_", value);
        Assert.Equal("read", (string?)data["scope"]);
        Assert.Equal(ConsoleApp.AdminEmail, (string?)data["owner"]);

        var list = await app.Api().GetStringAsync($"{Base}/tokens");
        Assert.DoesNotContain(value, list);
        Assert.Contains(TokenService.Hint(value), list);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(value).GetAsync($"{Base}/whoami")).StatusCode);
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"x","scope":"admin"}""", "scope")]
    [InlineData("""{"name":"x","expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt")]
    public async Task PostTokens_RefusesBadInput_NamingTheField(string body, string field)
    {
        await using var app = new ConsoleApp();
        var response = await app.Api().PostRawAsync($"{Base}/tokens", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.ReadJsonAsync())["errors"]![field]);
    }

    [Fact]
    public async Task ADeveloper_ListsAndRevokesOnlyTheirOwnTokens()
    {
        await using var app = new ConsoleApp();
        var (_, devToken) = await app.MemberAsync("dev@example.com", WorkspaceRole.Developer);
        var dev = app.Api(devToken);

        var listed = (await (await dev.GetAsync($"{Base}/tokens")).ReadJsonAsync())["data"]!.AsArray();
        Assert.Equal([TokenService.Hint(devToken!)], listed.Select(t => (string)t!["hint"]!));
        var all = (await (await app.Api().GetAsync($"{Base}/tokens")).ReadJsonAsync())["data"]!.AsArray();
        Assert.Equal(2, all.Count);

        var bootstrapId = (string)all.Single(t => (string)t!["hint"]! == TokenService.Hint(ConsoleApp.Token))!["id"]!;
        Assert.Equal(HttpStatusCode.NotFound, (await dev.DeleteAsync($"{Base}/tokens/{bootstrapId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Api().GetAsync($"{Base}/whoami")).StatusCode);

        // An owner revokes anyone's token.
        var devId = (string)listed.Single()!["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await app.Api().DeleteAsync($"{Base}/tokens/{devId}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await dev.GetAsync($"{Base}/whoami")).StatusCode);
    }

    [Fact]
    public async Task AnExpiredToken_Answers401()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new ConsoleApp(services: s => s.AddSingleton<TimeProvider>(clock));
        var created = await app.Api().PostJsonAsync($"{Base}/tokens", new { name = "short", expiresAt = clock.GetUtcNow().UtcDateTime.AddHours(1) });
        var value = (string)(await created.ReadJsonAsync())["data"]!["value"]!;
        Assert.Equal(HttpStatusCode.OK, (await app.Api(value).GetAsync($"{Base}/whoami")).StatusCode);

        clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Api(value).GetAsync($"{Base}/whoami")).StatusCode);
    }

    [Fact]
    public async Task DemotingToViewer_RevokesTheirTokens_RaisingAgainDoesNotRevive()
    {
        await using var app = new ConsoleApp();
        var (_, token) = await app.MemberAsync("dev@example.com", WorkspaceRole.Developer);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(token).GetAsync($"{Base}/whoami")).StatusCode);

        var demoted = await app.Api().PutAsJsonAsync($"{Base}/members/dev@example.com", new { role = "viewer" });
        Assert.Equal(HttpStatusCode.OK, demoted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Api(token).GetAsync($"{Base}/whoami")).StatusCode);

        await app.Api().PutAsJsonAsync($"{Base}/members/dev@example.com", new { role = "developer" });
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Api(token).GetAsync($"{Base}/whoami")).StatusCode);
    }

    [Fact]
    public async Task DemotingAnOwnerToDeveloper_KeepsTheirTokens_ButNotTheOwnerRights()
    {
        await using var app = new ConsoleApp();
        var (_, token) = await app.MemberAsync("owner2@example.com", WorkspaceRole.Owner);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(token).GetAsync($"{Base}/audit")).StatusCode);

        await app.Api().PutAsJsonAsync($"{Base}/members/owner2@example.com", new { role = "developer" });

        Assert.Equal(HttpStatusCode.OK, (await app.Api(token).GetAsync($"{Base}/whoami")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Api(token).GetAsync($"{Base}/audit")).StatusCode);
    }

    [Fact]
    public async Task RemovingAMember_OrDeletingTheUser_RevokesTheirTokens()
    {
        await using var app = new ConsoleApp();
        var (_, leaving) = await app.MemberAsync("leaving@example.com", WorkspaceRole.Developer);
        var (userId, deleted) = await app.MemberAsync("deleted@example.com", WorkspaceRole.Developer);

        Assert.Equal(HttpStatusCode.NoContent, (await app.Api().DeleteAsync($"{Base}/members/leaving@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Api(leaving).GetAsync($"{Base}/whoami")).StatusCode);
        var members = await app.Api().GetStringAsync($"{Base}/members");
        Assert.DoesNotContain("leaving@example.com", members);

        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<UserService>().DeleteAsync(userId, await app.AdminIdAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Api(deleted).GetAsync($"{Base}/whoami")).StatusCode);
    }

    [Fact]
    public async Task Members_KeepAtLeastOneOwner_AndAnUnknownEmailIsA404ThatSaysSo()
    {
        await using var app = new ConsoleApp();
        var demoteSelf = await app.Api().PutAsJsonAsync($"{Base}/members/{ConsoleApp.AdminEmail}", new { role = "developer" });
        Assert.Equal(HttpStatusCode.Conflict, demoteSelf.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Api().DeleteAsync($"{Base}/members/{ConsoleApp.AdminEmail}")).StatusCode);

        var unknown = await app.Api().PutAsJsonAsync($"{Base}/members/new-person@example.com", new { role = "developer" });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Users page", await unknown.Content.ReadAsStringAsync());

        var badRole = await app.Api().PutAsJsonAsync($"{Base}/members/{ConsoleApp.AdminEmail}", new { role = "god" });
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.NotNull((await badRole.ReadJsonAsync())["errors"]!["role"]);
    }

    [Fact]
    public async Task AddingAMember_GivesThemTheWorkspace_WithTheirRole()
    {
        await using var app = new ConsoleApp();
        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync("new@example.com", ConsoleApp.AdminPassword, Roles.Member, mustChangePassword: false);

        var added = await app.Api().PutAsJsonAsync($"{Base}/members/new@example.com", new { role = "viewer" });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal("viewer", (string?)(await added.ReadJsonAsync())["data"]!["role"]);

        await using var check = app.Scope();
        var userId = (await check.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ConsoleUser>>().FindByEmailAsync("new@example.com"))!.Id;
        var mine = await check.ServiceProvider.GetRequiredService<MembershipService>().WorkspacesOfAsync(userId);
        Assert.Equal([("default", "viewer")], mine.Select(m => (m.Workspace.Slug, m.Role)));
    }

    [Fact]
    public async Task TheHub_DropsAConnectionWithinSecondsOfItsTokenBeingRevoked()
    {
        await using var app = new ConsoleApp();
        var (_, token) = await app.MemberAsync("dev@example.com", WorkspaceRole.Developer);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "/hubs/deliveries"), o =>
            {
                o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        var closed = new TaskCompletionSource();
        hub.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await hub.StartAsync();
        await Task.Delay(2500);
        Assert.Equal(HubConnectionState.Connected, hub.State);

        var id = (string)(await (await app.Api(token).GetAsync($"{Base}/tokens")).ReadJsonAsync())["data"]![0]!["id"]!;
        Assert.Equal(HttpStatusCode.NoContent, (await app.Api().DeleteAsync($"{Base}/tokens/{id}")).StatusCode);

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HubConnectionState.Disconnected, hub.State);
    }
}
