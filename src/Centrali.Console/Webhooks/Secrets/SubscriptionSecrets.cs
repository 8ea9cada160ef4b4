using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Centrali.Console.Webhooks.Secrets;

/// <summary>
/// Signing secrets: generated from a CSPRNG, stored encrypted with Data Protection (keys in the database),
/// decrypted only to sign. Never log what these methods return.
/// </summary>
public sealed class SubscriptionSecrets(IDataProtectionProvider protection)
{
    public const string Prefix = "whsec_";
    const string Purpose = "Centrali.SubscriptionSecret";

    // Sized for every active subscription; past that it starts over rather than grow without bound.
    const int CachedSecrets = 10_000;

    readonly IDataProtector protector = protection.CreateProtector(Purpose);
    // Decrypting costs a key derivation per call: each attempt would pay it twice. A rotated secret has a new cipher, so a new entry.
    readonly ConcurrentDictionary<string, string> plain = new();

    /// <summary>"whsec_" + base64 of 32 random bytes (the Standard Webhooks form).</summary>
    public static string Generate() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>What reads show instead of the secret: "whsec_…q7Rk", or "…et" for a secret of the user's own.</summary>
    public static string Hint(string secret) =>
        secret.StartsWith(Prefix, StringComparison.Ordinal) ? $"{Prefix}…{secret[^4..]}" : $"…{secret[^2..]}";

    public const int MinOwnLength = 16, MaxOwnLength = 128;

    /// <summary>
    /// Why a secret the user brings cannot sign, or null when it can: either <c>whsec_</c> + base64 of 24 to 64 bytes (the
    /// Standard Webhooks form), or 16 to 128 printable characters, such as a secret already configured in a receiver.
    /// </summary>
    public static string? Check(string secret)
    {
        if (secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            var key = new byte[secret.Length];
            return Convert.TryFromBase64String(secret[Prefix.Length..], key, out var length) && length is >= 24 and <= 64 ? null
                : "A secret starting with whsec_ must continue with the base64 of 24 to 64 bytes (a generated one has 32).";
        }
        if (secret.Length is < MinOwnLength or > MaxOwnLength)
            return $"A secret of your own has {MinOwnLength} to {MaxOwnLength} characters (this one has {secret.Length}); leave it out to have one generated.";
        if (secret.Any(c => char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029') || secret != secret.Trim())
            return "A secret of your own holds printable characters only, with no control characters and no spaces at either end.";
        return null;
    }

    /// <summary>What an ed25519 subscription shows in place of a secret hint: the end of its public key, e.g. "whpk_…q7Rk=".</summary>
    public static string KeyHint(string publicKey) => $"{Signature.PublicKeyPrefix}…{publicKey[^5..]}";

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string cipher)
    {
        if (plain.TryGetValue(cipher, out var secret)) return secret;
        secret = protector.Unprotect(cipher);
        if (plain.Count >= CachedSecrets) plain.Clear();
        plain[cipher] = secret;
        return secret;
    }
}
