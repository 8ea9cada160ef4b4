using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Centrali.Console.Webhooks.Secrets;

/// <summary>How a subscription signs: which header, HMAC algorithm, encoding and prefix; or ed25519 (Standard Webhooks v1a only).</summary>
public sealed record SignatureScheme(string Header, string Algorithm, string Encoding, string Prefix, bool Ed25519 = false)
{
    public static readonly SignatureScheme Default = new("X-Signature", "sha256", "base64", "");
}

public static class Signature
{
    /// <summary>prefix + encode(HMAC(key = UTF-8 bytes of the whole secret string, message = raw body)).</summary>
    public static string Sign(SignatureScheme scheme, string secret, ReadOnlySpan<byte> body)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        byte[] mac = scheme.Algorithm switch
        {
            "sha1" => HMACSHA1.HashData(key, body),
            "sha512" => HMACSHA512.HashData(key, body),
            _ => HMACSHA256.HashData(key, body),
        };
        return scheme.Prefix + (scheme.Encoding == "hex" ? Convert.ToHexStringLower(mac) : Convert.ToBase64String(mac));
    }

    /// <summary>
    /// Standard Webhooks: v1,base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), the key being the base64-decoded part after
    /// "whsec_", or the UTF-8 bytes of a secret of the user's own that has no such prefix.
    /// </summary>
    public static string StandardWebhooks(string secret, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var key = secret.StartsWith("whsec_", StringComparison.Ordinal) ? Convert.FromBase64String(secret["whsec_".Length..]) : Encoding.UTF8.GetBytes(secret);
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, message));
    }

    public const string PrivateKeyPrefix = "whsk_";
    public const string PublicKeyPrefix = "whpk_";

    /// <summary>A new ed25519 key pair: the private key ("whsk_" + base64 of the 32-byte seed, kept encrypted) and the public one ("whpk_" + base64).</summary>
    public static (string PrivateKey, string PublicKey) NewKeyPair()
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        return (PrivateKeyPrefix + Convert.ToBase64String(seed), PublicKeyOf(seed));
    }

    public static string PublicKeyOf(string privateKey) => PublicKeyOf(Seed(privateKey));

    static string PublicKeyOf(byte[] seed) =>
        PublicKeyPrefix + Convert.ToBase64String(new Ed25519PrivateKeyParameters(seed, 0).GeneratePublicKey().GetEncoded());

    static byte[] Seed(string privateKey) => Convert.FromBase64String(privateKey[PrivateKeyPrefix.Length..]);

    /// <summary>Standard Webhooks v1a: v1a,base64(ed25519 signature over "{id}.{timestamp}.{body}").</summary>
    public static string StandardWebhooksEd25519(string privateKey, string messageId, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.");
        var signer = new Ed25519Signer();
        signer.Init(true, new Ed25519PrivateKeyParameters(Seed(privateKey), 0));
        signer.BlockUpdate(prefix, 0, prefix.Length);
        signer.BlockUpdate(body);
        return "v1a," + Convert.ToBase64String(signer.GenerateSignature());
    }
}
