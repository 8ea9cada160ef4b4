using Centrali.Console.Api;
using Centrali.Console.Auth;

namespace Centrali.Console.Tests.Auth;

public sealed class AuthFacts
{
    const string Base = "/data/workspace/default/api/v1";

    [Fact]
    public async Task WhoAmI_AnswersWithTheTokensWorkspace()
    {
        await using var app = new ConsoleApp();
        var response = await app.Api().GetAsync($"{Base}/whoami");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("default", (string?)body["data"]!["workspace"]);
        Assert.Equal(TokenService.Hint(ConsoleApp.Token), (string?)body["data"]!["tokenHint"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("cct_not_a_real_token")]
    public async Task Api_Answers401ProblemJson_WithoutAValidToken(string? token)
    {
        await using var app = new ConsoleApp();
        var response = await app.Api(token).GetAsync($"{Base}/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (int?)(await response.ReadJsonAsync())["status"]);
    }

    [Fact]
    public async Task TokenOfAnotherWorkspace_Answers404_NeverRevealingTheWorkspace()
    {
        await using var app = new ConsoleApp();
        var otherToken = await app.OtherWorkspaceTokenAsync("acme");

        var onDefault = await app.Api(otherToken).GetAsync($"{Base}/whoami");
        Assert.Equal(HttpStatusCode.NotFound, onDefault.StatusCode);
        var onMissing = await app.Api(otherToken).GetAsync("/data/workspace/nope/api/v1/whoami");
        Assert.Equal(HttpStatusCode.NotFound, onMissing.StatusCode);
        var onOwn = await app.Api(otherToken).GetAsync("/data/workspace/acme/api/v1/whoami");
        Assert.Equal(HttpStatusCode.OK, onOwn.StatusCode);
    }

    [Fact]
    public async Task RevokedToken_IsRefusedOnTheNextRequest()
    {
        await using var app = new ConsoleApp();
        await using var scope = app.Scope();
        var tokens = scope.ServiceProvider.GetRequiredService<TokenService>();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var admin = await app.AdminIdAsync();
        var created = await tokens.CreateAsync(workspace.Id, admin, new TokenInput("to revoke", TokenScope.Write, null));
        var client = app.Api(created.Value);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"{Base}/whoami")).StatusCode);

        await tokens.RevokeAsync(workspace.Id, created.Token.Id, admin, WorkspaceRole.Owner);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"{Base}/whoami")).StatusCode);
    }

    [Fact]
    public async Task Tokens_AreStoredHashed_AndListedWithHintAndLastUse()
    {
        await using var app = new ConsoleApp();
        await using var scope = app.Scope();
        var tokens = scope.ServiceProvider.GetRequiredService<TokenService>();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var admin = await app.AdminIdAsync();
        var created = await tokens.CreateAsync(workspace.Id, admin, new TokenInput("listed", TokenScope.Read, null));
        await app.Api(created.Value).GetAsync($"{Base}/whoami");

        var listed = (await tokens.ListAsync(workspace.Id, admin, WorkspaceRole.Owner)).Single(t => t.Id == created.Token.Id);
        Assert.Equal(ConsoleApp.AdminEmail, listed.Owner);
        Assert.Equal(TokenScope.Read, listed.Scope);
        Assert.Equal(TokenService.Hint(created.Value), listed.Hint);
        Assert.NotNull(listed.LastUsedAt);
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var stored = await db.ApiTokens.SingleAsync(t => t.Id == created.Token.Id);
        Assert.DoesNotContain(created.Value, stored.Hash);
        Assert.Equal(64, stored.Hash.Length);
    }

    [Fact]
    public async Task Login_WithTheBootstrapAdmin_SetsTheCookie()
    {
        await using var app = new ConsoleApp();
        var (client, response) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.AbsolutePath);
        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }

    [Fact]
    public async Task Login_LocksTheAccount_AfterFiveWrongPasswords_WithTheSameAnswerAsAnUnknownEmail()
    {
        await using var app = new ConsoleApp();
        for (var i = 0; i < 5; i++)
        {
            var (_, wrong) = await app.LoginAsync(ConsoleApp.AdminEmail, "wrong-password");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }
        var (_, right) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.False(right.Headers.Contains("Set-Cookie") && right.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith(".AspNetCore.Identity.Application")));
        var locked = await right.Content.ReadAsStringAsync();
        Assert.Contains("too many failed attempts", locked);
        // The locked account's answer is word for word that of an email nobody has: it confirms no account.
        var (_, unknown) = await app.LoginAsync("nobody-" + Guid.NewGuid().ToString("N")[..6] + "@example.com", ConsoleApp.AdminPassword);
        static string Error(string html) => System.Text.RegularExpressions.Regex.Match(html, "data-testid=\"login-error\">([^<]*)<").Groups[1].Value;
        Assert.NotEmpty(Error(locked));
        Assert.Equal(Error(locked), Error(await unknown.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task ConsolePages_SendAnonymousUsersToLogin()
    {
        await using var app = new ConsoleApp();
        var client = app.Api(token: null);
        foreach (var path in new[] { "/", "/collections", "/settings/tokens" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("http://localhost/account/login", response.Headers.Location!.ToString());
        }
    }

    [Fact]
    public async Task HangfireDashboard_IsForAdminsOnly()
    {
        await using var app = new ConsoleApp();
        var anonymous = await app.Api(token: null).GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
        Assert.Contains("/account/login", anonymous.Headers.Location!.ToString());

        var withToken = await app.Api().GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Redirect, withToken.StatusCode);

        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<UserService>().CreateAsync("member@example.com", "Member-Passw0rd", Roles.Member, mustChangePassword: false);
        var (member, _) = await app.LoginAsync("member@example.com", "Member-Passw0rd");
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/hangfire")).StatusCode);

        var (admin, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/hangfire")).StatusCode);
    }

    [Fact]
    public async Task Bootstrap_IsIdempotentAcrossRestarts()
    {
        string folder;
        await using (var first = new ConsoleApp())
        {
            folder = first.Folder;
            Assert.Equal(HttpStatusCode.OK, (await first.Api().GetAsync($"{Base}/whoami")).StatusCode);
            // Keep the folder: the second app starts on the same database.
            first.KeepFolder = true;
        }
        await using var second = new ConsoleApp(folder: folder);
        Assert.Equal(HttpStatusCode.OK, (await second.Api().GetAsync($"{Base}/whoami")).StatusCode);
        await using var scope = second.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.Equal(1, await db.Workspaces.CountAsync());
        Assert.Equal(1, await db.Users.CountAsync());
        Assert.Equal(1, await db.ApiTokens.CountAsync());
    }

    [Fact]
    public async Task Health_AnswersWhenTheDatabaseIsReachable()
    {
        await using var app = new ConsoleApp();
        var response = await app.Api(token: null).GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
