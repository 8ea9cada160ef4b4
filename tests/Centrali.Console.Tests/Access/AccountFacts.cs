using System.Text.RegularExpressions;

namespace Centrali.Console.Tests.Access;

/// <summary>Account self-service: the generated first password must be changed, passwords change, sessions end everywhere; and pages never show another workspace.</summary>
public sealed partial class AccountFacts
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    static async Task<HttpResponseMessage> ChangePasswordAsync(HttpClient client, string current, string next)
    {
        var page = await client.GetStringAsync("/account/manage");
        return await client.PostAsync("/account/manage", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value,
            ["_handler"] = "change-password",
            ["Password.Current"] = current,
            ["Password.New"] = next,
            ["Password.Confirm"] = next,
        }));
    }

    [Fact]
    public async Task AGeneratedFirstPassword_MustBeChangedBeforeAnythingElse()
    {
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Bootstrap:AdminPassword"] = null });
        _ = app.Server;
        var logged = app.Logs.Single(l => l.Contains("generated password"));
        var password = Regex.Match(logged, @"generated password (\S+)").Groups[1].Value;

        var (client, login) = await app.LoginAsync(ConsoleApp.AdminEmail, password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var home = await client.GetAsync("/collections");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/account/manage", home.Headers.Location!.OriginalString);
        Assert.Contains("must-change-password", await client.GetStringAsync("/account/manage"));

        var changed = await ChangePasswordAsync(client, password, "My-own-Passw0rd");
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/collections")).StatusCode);
        var (_, oldPassword) = await app.LoginAsync(ConsoleApp.AdminEmail, password);
        Assert.Equal(HttpStatusCode.OK, oldPassword.StatusCode);
        var (_, newPassword) = await app.LoginAsync(ConsoleApp.AdminEmail, "My-own-Passw0rd");
        Assert.Equal(HttpStatusCode.Redirect, newPassword.StatusCode);
    }

    [Fact]
    public async Task ChangingThePassword_RefusesAWrongCurrentOne()
    {
        await using var app = new ConsoleApp();
        var (client, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        var response = await ChangePasswordAsync(client, "not-my-password", "Another-Passw0rd");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("password-error", await response.Content.ReadAsStringAsync());
        var (_, stillOld) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, stillOld.StatusCode);
    }

    [Fact]
    public async Task SignOutEverywhere_EndsTheOtherBrowsersSession()
    {
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Auth:SessionCheckInterval"] = "00:00:00" });
        var (laptop, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        var (phone, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/collections")).StatusCode);

        var page = await laptop.GetStringAsync("/account/manage");
        var signedOut = await laptop.PostAsync("/account/sign-out-everywhere", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        var after = await phone.GetAsync("/collections");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Contains("/account/login", after.Headers.Location!.ToString());
    }

    [Fact]
    public async Task LogoutAndSignOutEverywhere_RefuseAFormWithoutAntiforgeryToken()
    {
        await using var app = new ConsoleApp();
        var (client, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        foreach (var path in new[] { "/account/logout", "/account/sign-out-everywhere" })
        {
            var forged = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>()));
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/collections")).StatusCode);
    }

    [Fact]
    public async Task AUserOfOneWorkspace_NeverSeesAnotherWorkspacesPage()
    {
        await using var app = new ConsoleApp();
        var acmeToken = await app.OtherWorkspaceTokenAsync("acme");
        var secretName = "acme-only-" + Guid.NewGuid().ToString("N")[..6];
        var created = await (await app.Api(acmeToken).PostJsonAsync("/data/workspace/acme/api/v1/webhook-subscriptions",
            new { name = secretName, url = "https://example.com/hook", events = new[] { "record_created" } })).ReadJsonAsync();
        var id = (string)created["data"]!["id"]!;
        await app.MemberAsync("default-only@example.com", WorkspaceRole.Developer, tokenScope: null);

        var (client, _) = await app.LoginAsync("default-only@example.com", ConsoleApp.AdminPassword);
        var page = await client.GetStringAsync($"/webhooks/{id}");
        Assert.DoesNotContain(secretName, page);
        Assert.DoesNotContain("switch-acme", page);

        // The same page, for a member of acme, does show it: the test above could fail.
        await app.MemberAsync("acme-dev@example.com", WorkspaceRole.Developer, "acme", tokenScope: null);
        var (acme, _) = await app.LoginAsync("acme-dev@example.com", ConsoleApp.AdminPassword);
        Assert.Contains(secretName, await acme.GetStringAsync($"/webhooks/{id}"));
    }
}
