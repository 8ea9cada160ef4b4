using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Centrali.Console.Tests.Access;

/// <summary>Cookies, HSTS and framing behind a TLS proxy, and the key ring encrypted with a certificate.</summary>
public sealed class WebSecurityFacts
{
    /// <summary>The app on real Kestrel (loopback), as a TLS-terminating proxy on this host would call it.</summary>
    static (ConsoleApp App, HttpClient Client) Behind(string? forwardedProto, IDictionary<string, string?>? settings = null)
    {
        var app = new ConsoleApp(settings);
        app.UseKestrel(0);
        app.StartServer();
        // Cookies by hand: a client talking plain HTTP to the app would (rightly) not send back a Secure cookie.
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.ClientOptions.BaseAddress };
        if (forwardedProto is not null) client.DefaultRequestHeaders.Add("X-Forwarded-Proto", forwardedProto);
        // The public name the proxy serves (HSTS is never sent for localhost).
        client.DefaultRequestHeaders.Add("X-Forwarded-Host", "console.example.com");
        return (app, client);
    }

    static async Task<string> LoginCookieAsync(ConsoleApp app, HttpClient client)
    {
        var form = await client.GetAsync("/account/login");
        var antiforgery = form.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]);
        var token = System.Text.RegularExpressions.Regex.Match(await form.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token, ["_handler"] = "login",
                ["Input.Email"] = ConsoleApp.AdminEmail, ["Input.Password"] = ConsoleApp.AdminPassword,
            }),
        };
        post.Headers.Add("Cookie", string.Join("; ", antiforgery));
        var response = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Identity.Application"));
    }

    [Fact]
    public async Task BehindATlsProxy_TheLoginCookieIsSecure_AndHstsIsSent()
    {
        var (app, client) = Behind("https");
        await using var _ = app;
        using var __ = client;
        var cookie = await LoginCookieAsync(app, client);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        var page = await client.GetAsync("/account/login");
        Assert.True(page.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task OverPlainHttp_OrFromAnUntrustedProxy_TheCookieIsNotMarkedSecure()
    {
        var (plain, plainClient) = Behind(null);
        await using (plain)
        using (plainClient)
            Assert.DoesNotContain("secure", await LoginCookieAsync(plain, plainClient), StringComparison.OrdinalIgnoreCase);

        // Only 10.9.9.9 is a known proxy: a loopback caller claiming https is not believed.
        var (untrusted, client) = Behind("https", new Dictionary<string, string?> { ["ForwardedHeaders:KnownProxies:0"] = "10.9.9.9" });
        await using (untrusted)
        using (client)
        {
            Assert.DoesNotContain("secure", await LoginCookieAsync(untrusted, client), StringComparison.OrdinalIgnoreCase);
            Assert.False((await client.GetAsync("/account/login")).Headers.Contains("Strict-Transport-Security"));
        }
    }

    [Fact]
    public async Task NoPageMayBeFramed()
    {
        await using var app = new ConsoleApp();
        var (client, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        foreach (var path in new[] { "/account/login", "/collections", "/healthz" })
        {
            var page = await client.GetAsync(path);
            Assert.Equal("frame-ancestors 'none'", string.Join(", ", page.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("DENY", string.Join(", ", page.Headers.GetValues("X-Frame-Options")));
        }
    }

    [Fact]
    public async Task WithACertificate_TheKeyRingInTheDatabaseIsEncrypted()
    {
        var folder = Path.Combine(Path.GetTempPath(), "centrali-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Centrali key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var pfx = Path.Combine(folder, "keys.pfx");
        await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-pass"));

        await using var receiver = await Receiver.StartAsync();
        var settings = new Dictionary<string, string?> { ["DataProtection:CertificatePath"] = pfx, ["DataProtection:CertificatePassword"] = "pfx-pass" };
        string secret;
        await using (var app = new ConsoleApp(settings, folder) { KeepFolder = true })
        {
            var created = await (await app.Api().PostJsonAsync("/data/workspace/default/api/v1/webhook-subscriptions",
                new { name = "k", url = receiver.Url, events = new[] { "record_created" } })).ReadJsonAsync();
            secret = (string)created["data"]!["secret"]!;
            await using var scope = app.Scope();
            var xml = string.Join("\n", await scope.ServiceProvider.GetRequiredService<Centrali.Console.Data.AppDbContext>().DataProtectionKeys.Select(k => k.Xml).ToListAsync());
            Assert.Contains("EncryptedXml", xml);
            Assert.DoesNotContain("<masterKey", xml);
        }
        // The same database and certificate after a restart decrypt the secret again: the delivery verifies with it.
        await using var again = new ConsoleApp(settings, folder);
        await again.RecordEventAsync();
        var delivered = (await receiver.WaitForAsync(1)).Single();
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(delivered, secret));
    }
}
