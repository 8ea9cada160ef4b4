namespace Centrali.Console.Tests.Subscriptions;

/// <summary>
/// With Webhooks:AllowPrivateNetworks=false, a subscription URL that reaches a non-public address is refused:
/// one test per refused family, through the real API.
/// </summary>
public sealed class UrlGuardFacts(GuardedSharedApp guarded) : IClassFixture<GuardedSharedApp>
{
    const string Base = SubscriptionsApiFacts.Base;

    async Task AssertRefusedAsync(params string[] urls)
    {
        var app = guarded.App;
        foreach (var url in urls)
        {
            var response = await app.Api().PostJsonAsync(Base, SubscriptionsApiFacts.NewBody(url));
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url} was not refused: {(int)response.StatusCode}");
            var errors = (await response.ReadJsonAsync())["errors"]!;
            Assert.NotNull(errors["url"]);
        }
        // Refused by patch too: an accepted subscription cannot be pointed there afterwards.
        var created = await SubscriptionsApiFacts.CreateAsync(app, SubscriptionsApiFacts.NewBody("https://93.184.216.34/hook"));
        var patch = await app.Api().PatchAsync($"{Base}/{created.Id}",
            new StringContent($"{{\"url\":\"{urls[0]}\"}}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
    }

    [Fact]
    public Task LoopbackV4_IsRefused() => AssertRefusedAsync("http://127.0.0.1:8080/hook", "https://127.10.20.30/hook");

    [Fact]
    public Task LoopbackV6_IsRefused() => AssertRefusedAsync("http://[::1]:8080/hook", "http://[0:0:0:0:0:0:0:1]/hook");

    [Fact]
    public Task Private10_IsRefused() => AssertRefusedAsync("http://10.0.0.5/hook", "http://10.255.255.255/hook");

    [Fact]
    public Task Private172_16_IsRefused() => AssertRefusedAsync("http://172.16.0.1/hook", "http://172.31.255.254/hook");

    [Fact]
    public Task Private192_168_IsRefused() => AssertRefusedAsync("http://192.168.1.10/hook");

    [Fact]
    public Task UniqueLocalFc00_IsRefused() => AssertRefusedAsync("http://[fd12:3456:789a::1]/hook", "http://[fc00::1]/hook");

    [Fact]
    public Task LinkLocal169_254_AndCloudMetadata_AreRefused() =>
        AssertRefusedAsync("http://169.254.169.254/latest/meta-data/", "http://169.254.10.1/hook");

    [Fact]
    public Task LinkLocalFe80_IsRefused() => AssertRefusedAsync("http://[fe80::1]/hook", "http://[fe80::1%25eth0]/hook");

    [Fact]
    public Task Unspecified_IsRefused() => AssertRefusedAsync("http://0.0.0.0:8080/hook", "http://[::]/hook");

    [Fact]
    public Task IPv4MappedIPv6_IsRefused() =>
        AssertRefusedAsync("http://[::ffff:127.0.0.1]/hook", "http://[::ffff:10.0.0.1]/hook", "http://[::ffff:a9fe:a9fe]/hook");

    [Fact]
    public Task DecimalIPv4_IsRefused() => AssertRefusedAsync("http://2130706433/hook", "http://3232235777/hook");

    [Fact]
    public Task OctalIPv4_IsRefused() => AssertRefusedAsync("http://0177.0.0.1/hook", "http://012.0.0.1/hook");

    [Fact]
    public Task HexAndShortIPv4_AreRefused() => AssertRefusedAsync("http://0x7f.0.0.1/hook", "http://0x7f000001/hook", "http://127.1/hook");

    [Fact]
    public Task HostNameResolvingToLoopback_IsRefused() => AssertRefusedAsync("http://localhost:5000/hook", "http://LOCALHOST./hook", "http://api.localhost/hook");

    [Fact]
    public async Task HostNameResolvedThroughDns_ToANonPublicAddress_IsRefused()
    {
        // This machine's own name resolves (hosts file or DNS) to loopback or a private address, never public.
        await AssertRefusedAsync($"http://{Dns.GetHostName()}/hook");
    }

    [Fact]
    public async Task PublicAddresses_AreAccepted_WithoutDns()
    {
        var app = guarded.App;
        foreach (var url in new[] { "https://93.184.216.34/", "http://172.32.0.1/hook", "https://[2606:2800:220:1:248:1893:25c8:1946]/hook" })
        {
            var response = await app.Api().PostJsonAsync(Base, SubscriptionsApiFacts.NewBody(url));
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"{url}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task PrivateAddresses_AreAccepted_WhenAllowPrivateNetworks()
    {
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:AllowPrivateNetworks"] = "true" });
        var response = await app.Api().PostJsonAsync(Base, SubscriptionsApiFacts.NewBody("http://127.0.0.1:5000/hook"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("10.1.1.1", true)]
    [InlineData("172.16.5.5", true)]
    [InlineData("172.15.255.255", false)]
    [InlineData("172.32.0.0", false)]
    [InlineData("192.168.0.1", true)]
    [InlineData("fc00::1", true)]
    [InlineData("fdff:ffff::1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("fe80::abcd", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("::ffff:93.184.216.34", false)]
    [InlineData("100.100.100.200", true)]
    [InlineData("64:ff9b::7f00:1", true)]
    [InlineData("2002:c0a8:0101::1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("198.18.0.1", true)]
    [InlineData("198.19.255.254", true)]
    [InlineData("198.20.0.1", false)]
    [InlineData("198.17.255.255", false)]
    [InlineData("192.0.0.8", true)]
    [InlineData("192.0.1.1", false)]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", true)]
    [InlineData("2001:4860:4860::8888", false)]
    [InlineData("64:ff9b:1::a00:1", true)]
    [InlineData("64:ff9b:2::1", false)]
    [InlineData("93.184.216.34", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("2606:4700:4700::1111", false)]
    public void IsForbidden_ClassifiesAddresses(string address, bool forbidden) =>
        Assert.Equal(forbidden, UrlGuard.IsForbidden(IPAddress.Parse(address)));

    [Theory]
    [InlineData("2130706433", "127.0.0.1")]
    [InlineData("0177.0.0.1", "127.0.0.1")]
    [InlineData("0x7f.0.0.1", "127.0.0.1")]
    [InlineData("0x7F000001", "127.0.0.1")]
    [InlineData("127.1", "127.0.0.1")]
    [InlineData("10.65535", "10.0.255.255")]
    [InlineData("0", "0.0.0.0")]
    [InlineData("93.184.216.34", "93.184.216.34")]
    public void TryParseIPv4_ReadsEveryInetAtonSpelling(string host, string expected)
    {
        Assert.True(UrlGuard.TryParseIPv4(host, out var address));
        Assert.Equal(IPAddress.Parse(expected), address);
    }

    [Theory]
    [InlineData("example.com")]
    [InlineData("256.0.0.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("4294967296")]
    [InlineData("08.0.0.1")]
    [InlineData("1..2")]
    public void TryParseIPv4_LeavesNamesAndOutOfRangeAlone(string host) => Assert.False(UrlGuard.TryParseIPv4(host, out _));
}
