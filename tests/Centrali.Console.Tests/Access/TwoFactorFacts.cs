using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Centrali.Console.Audit;

namespace Centrali.Console.Tests.Access;

/// <summary>
/// Two-factor sign-in through the real pages, as a user with an authenticator app does it: the app's codes are computed
/// here from the shared key the setup page shows (RFC 6238, written out below, not Identity's own generator).
/// </summary>
public sealed partial class TwoFactorFacts
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("data-testid=\"authenticator-key\"[^>]*>([^<]+)<")]
    private static partial Regex KeyField();

    [GeneratedRegex("data-testid=\"recovery-code\">([^<]+)<")]
    private static partial Regex RecoveryCodeField();

    /// <summary>RFC 6238 TOTP: HMAC-SHA1 of the 30-second step count, dynamically truncated (RFC 4226 §5.3) to 6 digits.</summary>
    static string Totp(byte[] key, long step, int digits = 6)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        var hash = HMACSHA1.HashData(key, counter);
        var offset = hash[^1] & 0x0f;
        var binary = (hash[offset] & 0x7f) << 24 | hash[offset + 1] << 16 | hash[offset + 2] << 8 | hash[offset + 3];
        return (binary % (int)Math.Pow(10, digits)).ToString(new string('0', digits));
    }

    static long StepNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;

    /// <summary>RFC 4648 base32, the alphabet authenticator apps read the key in.</summary>
    static byte[] Base32(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var value = 0;
        var bytes = new List<byte>();
        foreach (var c in text.ToUpperInvariant().Where(c => c != ' ' && c != '='))
        {
            var index = alphabet.IndexOf(c);
            if (index < 0) throw new FormatException($"'{c}' is not base32");
            // At most 12 bits are ever pending.
            value = (value << 5 | index) & 0xfff;
            bits += 5;
            if (bits >= 8) { bytes.Add((byte)(value >> (bits - 8))); bits -= 8; }
        }
        return [.. bytes];
    }

    static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string handler, Dictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(path);
        var form = new Dictionary<string, string>(fields)
        {
            ["__RequestVerificationToken"] = AntiforgeryField().Match(page).Groups[1].Value,
            ["_handler"] = handler,
        };
        return await client.PostAsync(path, new FormUrlEncodedContent(form));
    }

    /// <summary>Logs in with the password; a user with two-factor on lands on the code page.</summary>
    static async Task<HttpClient> PasswordStepAsync(ConsoleApp app)
    {
        var (client, login) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains("/account/login-2fa", login.Headers.Location!.OriginalString);
        // A right password alone opens nothing.
        var blocked = await client.GetAsync("/collections");
        Assert.Equal(HttpStatusCode.Redirect, blocked.StatusCode);
        Assert.Contains("/account/login", blocked.Headers.Location!.OriginalString);
        return client;
    }

    static Task<HttpResponseMessage> CodeStepAsync(HttpClient client, string code) =>
        PostFormAsync(client, "/account/login-2fa", "login-2fa", new() { ["Input.Code"] = code });

    [Fact]
    public void TheTestsTotp_MatchesRfc6238sTestVector()
    {
        // RFC 6238 appendix B, SHA-1, T = 59 s and T = 1111111109 s.
        var key = Encoding.ASCII.GetBytes("12345678901234567890");
        Assert.Equal("94287082", Totp(key, 59 / 30, 8));
        Assert.Equal("07081804", Totp(key, 1111111109 / 30, 8));
        Assert.Equal(key, Base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"));
    }

    [Fact]
    public async Task TwoFactor_IsSetUpWithTheSharedKey_ThenEveryLoginAsksForACode_RecoveryCodesWorkOnce_AndItTurnsOff_KeyAndCodesStoredEncrypted()
    {
        await using var app = new ConsoleApp();
        var (browser, _) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);

        var setupPage = await browser.GetStringAsync("/account/two-factor");
        Assert.Contains("data:image/png;base64,", setupPage);
        var shownKey = KeyField().Match(setupPage).Groups[1].Value.Trim();
        var key = Base32(shownKey.Replace(" ", ""));
        Assert.True(key.Length >= 10, $"the shared key '{shownKey}' is too short");

        // A wrong code (none of those valid around now) does not turn it on.
        var valid = Enumerable.Range(-3, 7).Select(d => Totp(key, StepNow() + d)).ToHashSet();
        var wrong = Enumerable.Range(0, 10).Select(i => new string((char)('0' + i), 6)).First(c => !valid.Contains(c));
        var refused = await PostFormAsync(browser, "/account/two-factor", "enable-2fa", new() { ["Enable.Code"] = wrong });
        Assert.Contains("two-factor-error", await refused.Content.ReadAsStringAsync());

        var enabled = await PostFormAsync(browser, "/account/two-factor", "enable-2fa", new() { ["Enable.Code"] = Totp(key, StepNow()) });
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var codes = RecoveryCodeField().Matches(await enabled.Content.ReadAsStringAsync()).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(10, codes.Distinct().Count());
        // Shown once: neither the key nor the codes appear again; the browser that turned it on stays signed in.
        var after = await browser.GetStringAsync("/account/two-factor");
        Assert.Contains("two-factor-on", after);
        Assert.DoesNotContain(shownKey, after);
        Assert.DoesNotContain(codes[0], after);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/collections")).StatusCode);
        // Stored encrypted: the database file alone does not give away the key or a code.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT group_concat(Value, '|') FROM AspNetUserTokens";
            var stored = (string)(await command.ExecuteScalarAsync())!;
            Assert.False(string.IsNullOrEmpty(stored));
            Assert.DoesNotContain(shownKey.Replace(" ", ""), stored, StringComparison.OrdinalIgnoreCase);
            Assert.All(codes, c => Assert.DoesNotContain(c, stored));
        }

        // Password, then a wrong code: still out.
        var phone = await PasswordStepAsync(app);
        var wrongLogin = await CodeStepAsync(phone, wrong);
        Assert.Contains("two-factor-error", await wrongLogin.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await phone.GetAsync("/collections")).StatusCode);
        // Password, then the app's code: in.
        var rightLogin = await CodeStepAsync(phone, Totp(key, StepNow()));
        Assert.Equal(HttpStatusCode.Redirect, rightLogin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/collections")).StatusCode);

        // A recovery code signs in once; the second use is refused.
        var laptop = await PasswordStepAsync(app);
        // Typed as people type it: lower case, without the dash.
        Assert.Equal(HttpStatusCode.Redirect, (await CodeStepAsync(laptop, codes[3].Replace("-", "").ToLowerInvariant())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await laptop.GetAsync("/collections")).StatusCode);
        var again = await PasswordStepAsync(app);
        Assert.Contains("two-factor-error", await (await CodeStepAsync(again, codes[3])).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await again.GetAsync("/collections")).StatusCode);
        Assert.Contains("9 recovery codes", await browser.GetStringAsync("/account/two-factor"));

        // Turning it off needs the password; then the password alone signs in again.
        var noPassword = await PostFormAsync(browser, "/account/two-factor", "disable-2fa", new() { ["Disable.Password"] = "not-my-password" });
        Assert.Contains("two-factor-error", await noPassword.Content.ReadAsStringAsync());
        Assert.Contains("two-factor-on", await browser.GetStringAsync("/account/two-factor"));
        var off = await PostFormAsync(browser, "/account/two-factor", "disable-2fa", new() { ["Disable.Password"] = ConsoleApp.AdminPassword });
        Assert.DoesNotContain("two-factor-error", await off.Content.ReadAsStringAsync());
        var (plain, plainLogin) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, plainLogin.StatusCode);
        Assert.DoesNotContain("login-2fa", plainLogin.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync("/collections")).StatusCode);

        // Set up again: a new key (the old app's codes are worthless). Then an admin turns it off for a user who lost everything.
        var againKey = KeyField().Match(await plain.GetStringAsync("/account/two-factor")).Groups[1].Value.Trim();
        Assert.NotEqual(shownKey, againKey);
        var reEnabled = await PostFormAsync(plain, "/account/two-factor", "enable-2fa", new() { ["Enable.Code"] = Totp(key, StepNow()) });
        Assert.Contains("two-factor-error", await reEnabled.Content.ReadAsStringAsync());
        reEnabled = await PostFormAsync(plain, "/account/two-factor", "enable-2fa", new() { ["Enable.Code"] = Totp(Base32(againKey.Replace(" ", "")), StepNow()) });
        Assert.NotEmpty(RecoveryCodeField().Matches(await reEnabled.Content.ReadAsStringAsync()));
        await PasswordStepAsync(app);
        await using (var admin = app.Scope())
            await admin.ServiceProvider.GetRequiredService<Centrali.Console.Auth.UserService>().TurnOffTwoFactorAsync(await app.AdminIdAsync());
        var (rescued, rescuedLogin) = await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);
        Assert.DoesNotContain("login-2fa", rescuedLogin.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await rescued.GetAsync("/collections")).StatusCode);

        // Audited, with neither the key nor a code in any entry.
        await using var scope = app.Scope();
        var entries = (await scope.ServiceProvider.GetRequiredService<AuditLog>().ListAsync(null, new AuditFilter(), 500)).Data;
        var actions = entries.Select(e => e.Action).ToList();
        Assert.Contains(AuditActions.TwoFactorEnabled, actions);
        Assert.Contains(AuditActions.TwoFactorDisabled, actions);
        Assert.Contains(entries, e => e.Action == AuditActions.LoginFailed && e.Details?.ToString().Contains("wrong two-factor code") == true);
        Assert.Contains(entries, e => e.Action == AuditActions.LoginSucceeded && e.Details?.ToString().Contains("recovery code") == true);
        var all = string.Join("\n", entries.Select(e => $"{e.Target} {e.Details}"));
        Assert.DoesNotContain(shownKey.Replace(" ", ""), all, StringComparison.OrdinalIgnoreCase);
        Assert.All(codes, c => Assert.DoesNotContain(c, all));
    }
}
