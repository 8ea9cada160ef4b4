using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Centrali.Console.Webhooks.Subscriptions;

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

    /// <summary>What reads show instead of the secret, e.g. "whsec_…q7Rk".</summary>
    public static string Hint(string secret) => $"{Prefix}…{secret[^4..]}";

    /// <summary>What an ed25519 subscription shows in place of a secret hint: the end of its public key, e.g. "whpk_…q7Rk=".</summary>
    public static string KeyHint(string publicKey) => $"{Delivery.Signature.PublicKeyPrefix}…{publicKey[^5..]}";

    public string Protect(string secret) => protector.Protect(secret);

    public string Unprotect(string cipher)
    {
        if (plain.TryGetValue(cipher, out var secret)) return secret;
        secret = protector.Unprotect(cipher);
        if (plain.Count >= CachedSecrets) plain.Clear();
        plain[cipher] = secret;
        return secret;
    }

    /// <summary>The plain secret that signs this subscription's deliveries.</summary>
    public string SigningSecret(Subscription subscription) => Unprotect(subscription.SecretCipher);

    /// <summary>The previous secret during a rotation overlap, or null once it has expired.</summary>
    public string? PreviousSigningSecret(Subscription subscription, DateTime now) =>
        subscription.PreviousSecretCipher is { } cipher && subscription.PreviousSecretExpiresAt > now ? Unprotect(cipher) : null;
}
