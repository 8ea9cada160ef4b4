using System.Security.Cryptography;
using System.Text;

namespace Centrali.Console.Webhooks.Delivery;

/// <summary>How a subscription signs: which header, HMAC algorithm, encoding and prefix.</summary>
public sealed record SignatureScheme(string Header, string Algorithm, string Encoding, string Prefix)
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
}
