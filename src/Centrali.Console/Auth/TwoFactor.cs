using Centrali.Console.Audit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using QRCoder;

namespace Centrali.Console.Auth;

/// <summary>What the setup page shows once: the shared key (grouped for typing), the otpauth URI and its QR code as a PNG data URI.</summary>
public sealed record AuthenticatorSetup(string Key, string FormattedKey, string Uri, string QrCodeDataUri);

/// <summary>
/// Optional TOTP two-factor sign-in (RFC 6238, 30-second codes of 6 digits, as every authenticator app makes them) with
/// one-use recovery codes, on ASP.NET Core Identity's own authenticator support. The pages call it; the login asks for a
/// code whenever <see cref="IdentityUser.TwoFactorEnabled"/> is set.
/// </summary>
public sealed class TwoFactorService(UserManager<ConsoleUser> users, SignInManager<ConsoleUser> signIn, AuditLog audit)
{
    public const int RecoveryCodeCount = 10;
    const string Issuer = "Centrali Console";

    /// <summary>The key to scan, made when setup starts and kept until two-factor is on; null when it is already on (the key is never shown again).</summary>
    public async Task<AuthenticatorSetup?> SetupAsync(ConsoleUser user)
    {
        if (await users.GetTwoFactorEnabledAsync(user)) return null;
        var key = await users.GetAuthenticatorKeyAsync(user);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user);
            // A new key changes the security stamp: sign this browser in again so it is not signed out at the next check.
            await signIn.RefreshSignInAsync(user);
            key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("The authenticator key was not stored.");
        }
        var email = user.Email ?? user.UserName ?? "user";
        var uri = $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(email)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6";
        using var generator = new QRCodeGenerator();
        using var qr = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(qr).GetGraphic(5);
        var formatted = string.Join(" ", key.ToLowerInvariant().Chunk(4).Select(c => new string(c)));
        return new AuthenticatorSetup(key, formatted, uri, "data:image/png;base64," + Convert.ToBase64String(png));
    }

    /// <summary>Turns two-factor on if <paramref name="code"/> is the app's current code; answers the recovery codes (shown once), or null for a wrong code.</summary>
    public async Task<IReadOnlyList<string>?> EnableAsync(ConsoleUser user, string code)
    {
        if (await users.GetTwoFactorEnabledAsync(user)) return null;
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, Digits(code))) return null;
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
        await signIn.RefreshSignInAsync(user);
        await audit.RecordAsync(null, AuditActions.TwoFactorEnabled, user.Email);
        return codes;
    }

    /// <summary>New recovery codes (the old ones stop working); null when two-factor is off.</summary>
    public async Task<IReadOnlyList<string>?> NewRecoveryCodesAsync(ConsoleUser user)
    {
        if (!await users.GetTwoFactorEnabledAsync(user)) return null;
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))?.ToList() ?? [];
        await audit.RecordAsync(null, AuditActions.RecoveryCodesRenewed, user.Email);
        return codes;
    }

    /// <summary>Turns two-factor off after the password is confirmed; the key and recovery codes are discarded, so setting it up again means scanning anew.</summary>
    public async Task<bool> DisableAsync(ConsoleUser user, string password)
    {
        // Wrong passwords here count towards the lockout, as at the login: an open session cannot be used to guess the password.
        if (!(await signIn.CheckPasswordSignInAsync(user, password, lockoutOnFailure: true)).Succeeded) return false;
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 0);
        // A fresh key nobody has seen: the app scanned before makes no valid code any more.
        await users.ResetAuthenticatorKeyAsync(user);
        await signIn.RefreshSignInAsync(user);
        await audit.RecordAsync(null, AuditActions.TwoFactorDisabled, user.Email);
        return true;
    }

    public async Task<(bool Enabled, int RecoveryCodesLeft)> StatusAsync(ConsoleUser user) =>
        (await users.GetTwoFactorEnabledAsync(user), await users.CountRecoveryCodesAsync(user));

    /// <summary>Apps show "123 456"; people paste "123-456".</summary>
    public static string Digits(string code) => new(code.Where(c => !char.IsWhiteSpace(c) && c != '-').ToArray());

    /// <summary>Recovery codes are given out as "XXXXX-XXXXX" in capitals; typed in lower case or without the dash, they still match.</summary>
    public static string RecoveryCode(string code)
    {
        var compact = Digits(code).ToUpperInvariant();
        return compact.Length == 10 ? $"{compact[..5]}-{compact[5..]}" : compact;
    }
}

/// <summary>
/// Identity's user store, with the values it keeps in AspNetUserTokens (the authenticator key, the recovery codes)
/// encrypted by Data Protection: a copy of the database alone does not let anyone make a valid code.
/// </summary>
internal sealed class ProtectedUserStore(AppDbContext db, IDataProtectionProvider protection, IdentityErrorDescriber? describer = null)
    : UserStore<ConsoleUser, IdentityRole, AppDbContext>(db, describer)
{
    readonly IDataProtector protector = protection.CreateProtector("Centrali.Console.Auth.UserTokens");

    public override Task SetTokenAsync(ConsoleUser user, string loginProvider, string name, string? value, CancellationToken cancellationToken) =>
        base.SetTokenAsync(user, loginProvider, name, value is null ? null : protector.Protect(value), cancellationToken);

    public override async Task<string?> GetTokenAsync(ConsoleUser user, string loginProvider, string name, CancellationToken cancellationToken) =>
        await base.GetTokenAsync(user, loginProvider, name, cancellationToken) is { } stored ? protector.Unprotect(stored) : null;
}
