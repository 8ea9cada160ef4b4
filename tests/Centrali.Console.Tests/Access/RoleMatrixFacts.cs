namespace Centrali.Console.Tests.Access;

/// <summary>One app with a token of each kind; every caller tries every endpoint.</summary>
public sealed class AccessApp : IAsyncLifetime
{
    public ConsoleApp App { get; } = new();
    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        Tokens["owner-write"] = ConsoleApp.Token;
        Tokens["owner-read"] = (await App.MemberAsync("owner2@example.com", WorkspaceRole.Owner, tokenScope: "read")).Token!;
        Tokens["developer-write"] = (await App.MemberAsync("dev@example.com", WorkspaceRole.Developer)).Token!;
        Tokens["developer-read"] = (await App.MemberAsync("dev-read@example.com", WorkspaceRole.Developer, tokenScope: "read")).Token!;
        await App.MemberAsync("target@example.com", WorkspaceRole.Viewer, tokenScope: null);
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Each role and scope × each endpoint: allowed, or 403 problem+json; the table is the rule.</summary>
public sealed class RoleMatrixFacts(AccessApp fixture) : IClassFixture<AccessApp>
{
    const string Base = "/data/workspace/default/api/v1";
    const string Sub = """{"name":"m","url":"https://example.com/hook","events":["record_created"]}""";

    // Who may: R = every token (read scope included), W = developer or owner with a write token, O = owner with a write token,
    // OR = an owner's token of either scope, D = developer or owner, either scope.
    public static TheoryData<string, string, string?, string> Endpoints => new()
    {
        { "GET", "/whoami", null, "R" },
        { "GET", "/collections", null, "R" },
        { "POST", "/collections", """{"name":"Matrix","slug":"m-{n}"}""", "W" },
        { "DELETE", "/collections/does-not-exist", null, "W" },
        { "GET", "/collections/does-not-exist/records", null, "R" },
        { "POST", "/collections/does-not-exist/records", """{"a":1}""", "W" },
        { "GET", "/webhook-subscriptions", null, "R" },
        { "POST", "/webhook-subscriptions", Sub, "W" },
        { "GET", "/webhook-subscriptions/deliveries", null, "R" },
        { "POST", $"/webhook-subscriptions/deliveries/{Guid.Empty}/retry", null, "W" },
        { "POST", $"/webhook-subscriptions/{Guid.Empty}/rotate-secret", null, "W" },
        { "GET", "/tokens", null, "D" },
        { "POST", "/tokens", """{"name":"made by matrix"}""", "W" },
        { "DELETE", $"/tokens/{Guid.Empty}", null, "W" },
        { "GET", "/members", null, "R" },
        { "PUT", "/members/target@example.com", """{"role":"viewer"}""", "O" },
        { "DELETE", "/members/nobody-here@example.com", null, "O" },
        { "GET", "/audit", null, "OR" },
        { "GET", "/settings", null, "R" },
        { "PATCH", "/settings", """{"operatorWebhookUrl":null}""", "O" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EachCaller_IsAllowedOrRefusedWith403(string method, string path, string? body, string rule)
    {
        foreach (var (caller, token) in fixture.Tokens)
        {
            var (role, scope) = (caller.Split('-')[0], caller.Split('-')[1]);
            var allowed = rule switch
            {
                "R" => true,
                "W" => scope == "write",
                "O" => role == "owner" && scope == "write",
                "OR" => role == "owner",
                "D" => true,
                _ => throw new ArgumentException(rule),
            };
            using var request = new HttpRequestMessage(new HttpMethod(method), Base + path);
            if (body is not null) request.Content = new StringContent(body.Replace("{n}", Guid.NewGuid().ToString("N")[..8]), Encoding.UTF8, "application/json");
            var response = await fixture.App.Api(token).SendAsync(request);
            var status = (int)response.StatusCode;
            if (allowed)
                Assert.True(status is not (401 or 403), $"{caller} {method} {path}: expected allowed, got {status} {await response.Content.ReadAsStringAsync()}");
            else
            {
                Assert.True(status == 403, $"{caller} {method} {path}: expected 403, got {status}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task AReadToken_Answers403ProblemJson_NamingItsScope()
    {
        var response = await fixture.App.Api(fixture.Tokens["developer-read"]).PostRawAsync($"{Base}/collections", """{"name":"X","slug":"x-read"}""");
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("scope is read", (string?)(await response.ReadJsonAsync())["title"]);
    }

    [Fact]
    public async Task WhoAmI_SaysTheRoleAndScope()
    {
        var body = await (await fixture.App.Api(fixture.Tokens["developer-read"]).GetAsync($"{Base}/whoami")).ReadJsonAsync();
        Assert.Equal("developer", (string?)body["data"]!["role"]);
        Assert.Equal("read", (string?)body["data"]!["scope"]);
    }
}
