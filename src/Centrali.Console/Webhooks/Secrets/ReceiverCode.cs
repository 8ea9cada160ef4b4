using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Webhooks.Secrets;

/// <summary>How one subscription signs: the four parts a receiver must reproduce (or, for ed25519, the public key it verifies with), and the payload format it reads.</summary>
public sealed record SignatureSettings(string Header, string Algorithm, string Encoding, string Prefix, string PayloadFormat = PayloadFormats.V2,
    string? PublicKey = null)
{
    public bool Ed25519 => PublicKey is not null;

    /// <summary>The older guide's body keeps the record id under data.</summary>
    public bool Legacy => PayloadFormat == PayloadFormats.V1;
}

/// <summary>
/// Ready-to-paste receiver code ("Verify on your side") that checks exactly this subscription's signature:
/// HMAC over the raw body bytes with the whole secret string as key, compared in constant time.
/// </summary>
public static class ReceiverCode
{
    public const string SecretVariable = "CENTRALI_WEBHOOK_SECRET";
    public const string PublicKeyVariable = "CENTRALI_WEBHOOK_PUBLIC_KEY";

    public static string Node(SignatureSettings s)
    {
        if (s.Ed25519) return NodeEd25519();
        var prefix = s.Prefix.Length == 0 ? "" : $"{Js(s.Prefix)} + ";
        return $$"""
            import express from 'express';
            import crypto from 'crypto';

            const app = express();
            const WEBHOOK_SECRET = process.env.{{SecretVariable}}; // whsec_…

            // express.raw: the signature is over the exact bytes received, so parse only after verifying.
            app.post('/webhooks/centrali', express.raw({ type: 'application/json' }), (req, res) => {
              const received = Buffer.from(req.get({{Js(s.Header)}}) ?? '');
              const expected = Buffer.from({{prefix}}crypto
                .createHmac({{Js(s.Algorithm)}}, WEBHOOK_SECRET)
                .update(req.body)
                .digest({{Js(s.Encoding)}}));
              // timingSafeEqual throws on different lengths, so check those first.
              if (received.length !== expected.length || !crypto.timingSafeEqual(received, expected)) {
                return res.status(401).send('invalid signature');
              }
              const event = JSON.parse(req.body.toString('utf8'));
              console.log('got event:', event.event, {{(s.Legacy ? "event.data.recordId" : "event.recordId")}});
              res.status(200).send('ok');
            });

            app.listen(3000);
            """;
    }

    public static string CSharp(SignatureSettings s)
    {
        if (s.Ed25519) return CSharpEd25519();
        var hmac = s.Algorithm switch { "sha1" => "HMACSHA1", "sha512" => "HMACSHA512", _ => "HMACSHA256" };
        var encode = s.Encoding == "hex" ? "Convert.ToHexStringLower(mac)" : "Convert.ToBase64String(mac)";
        var expected = s.Prefix.Length == 0 ? encode : $"{Cs(s.Prefix)} + {encode}";
        return $$"""
            using System.Security.Cryptography;
            using System.Text;
            using System.Text.Json;

            var app = WebApplication.CreateBuilder(args).Build();
            var secret = Environment.GetEnvironmentVariable("{{SecretVariable}}")!; // whsec_…

            app.MapPost("/webhooks/centrali", async (HttpRequest request) =>
            {
                // The signature is over the exact bytes received: read them raw, parse only after verifying.
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer);
                var body = buffer.ToArray();

                var received = request.Headers[{{Cs(s.Header)}}].ToString();
                var mac = {{hmac}}.HashData(Encoding.UTF8.GetBytes(secret), body);
                var expected = {{expected}};
                if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(received), Encoding.UTF8.GetBytes(expected)))
                    return Results.Unauthorized();

                using var json = JsonDocument.Parse(body);
                app.Logger.LogInformation("got event: {Event}", json.RootElement.GetProperty("event").GetString());
                return Results.Ok();
            });

            app.Run();
            """;
    }

    public static string Python(SignatureSettings s)
    {
        if (s.Ed25519) return PythonEd25519();
        var encode = s.Encoding == "hex" ? "mac.hex()" : "base64.b64encode(mac).decode()";
        var expected = s.Prefix.Length == 0 ? encode : $"{Py(s.Prefix)} + {encode}";
        return $$"""
            import base64
            import hashlib
            import hmac
            import os

            from flask import Flask, abort, request

            app = Flask(__name__)
            WEBHOOK_SECRET = os.environ["{{SecretVariable}}"]  # whsec_…


            @app.post("/webhooks/centrali")
            def centrali_webhook():
                # The signature is over the exact bytes received: read them raw, parse only after verifying.
                body = request.get_data()
                received = request.headers.get({{Py(s.Header)}}, "")
                mac = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.{{s.Algorithm}}).digest()
                expected = {{expected}}
                if not hmac.compare_digest(received.encode(), expected.encode()):
                    abort(401)
                event = request.get_json()
                print("got event:", event["event"], {{(s.Legacy ? "event[\"data\"][\"recordId\"]" : "event[\"recordId\"]")}})
                return "ok"
            """;
    }

    // ed25519 (Standard Webhooks v1a): the signature is over "{webhook-id}.{webhook-timestamp}.{raw body}"; webhook-signature
    // may carry several space-separated signatures (during a key rotation's overlap), any one of which may match.
    static string NodeEd25519() => $$"""
        import express from 'express';
        import crypto from 'crypto';

        // whpk_ + base64 of the 32-byte ed25519 public key, from the subscription's page.
        const raw = Buffer.from(process.env.{{PublicKeyVariable}}.slice('whpk_'.length), 'base64');
        const publicKey = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });

        const app = express();
        // express.raw: the signature is over the exact bytes received, so parse only after verifying.
        app.post('/webhooks/centrali', express.raw({ type: 'application/json' }), (req, res) => {
          const id = req.get('webhook-id'), timestamp = req.get('webhook-timestamp');
          // Refuse replays of old deliveries: five minutes of clock difference at most.
          if (!id || Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return res.status(401).send('stale');
          const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), req.body]);
          const ok = (req.get('webhook-signature') ?? '').split(' ')
            .filter(s => s.startsWith('v1a,'))
            .some(s => crypto.verify(null, signed, publicKey, Buffer.from(s.slice(4), 'base64')));
          if (!ok) return res.status(401).send('invalid signature');
          const event = JSON.parse(req.body.toString('utf8'));
          console.log('got event:', event.event, event.recordId);
          res.status(200).send('ok');
        });

        app.listen(3000);
        """;

    static string CSharpEd25519() => $$"""
        // .NET has no ed25519 of its own on Linux: this uses the NSec.Cryptography package (libsodium).
        using System.Text;
        using System.Text.Json;
        using NSec.Cryptography;

        var app = WebApplication.CreateBuilder(args).Build();
        // whpk_ + base64 of the 32-byte ed25519 public key, from the subscription's page.
        var raw = Convert.FromBase64String(Environment.GetEnvironmentVariable("{{PublicKeyVariable}}")!["whpk_".Length..]);
        var publicKey = PublicKey.Import(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey);

        app.MapPost("/webhooks/centrali", async (HttpRequest request) =>
        {
            // The signature is over the exact bytes received: read them raw, parse only after verifying.
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();

            var id = request.Headers["webhook-id"].ToString();
            var timestamp = request.Headers["webhook-timestamp"].ToString();
            // Refuse replays of old deliveries: five minutes of clock difference at most.
            if (!long.TryParse(timestamp, out var seconds) || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300)
                return Results.Unauthorized();
            var signed = Encoding.UTF8.GetBytes($"{id}.{timestamp}.").Concat(body).ToArray();
            var ok = request.Headers["webhook-signature"].ToString().Split(' ')
                .Where(s => s.StartsWith("v1a,"))
                .Any(s => SignatureAlgorithm.Ed25519.Verify(publicKey, signed, Convert.FromBase64String(s[4..])));
            if (!ok) return Results.Unauthorized();

            using var json = JsonDocument.Parse(body);
            app.Logger.LogInformation("got event: {Event}", json.RootElement.GetProperty("event").GetString());
            return Results.Ok();
        });

        app.Run();
        """;

    static string PythonEd25519() => $$"""
        import base64
        import os
        import time

        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from flask import Flask, abort, request

        app = Flask(__name__)
        # whpk_ + base64 of the 32-byte ed25519 public key, from the subscription's page.
        PUBLIC_KEY = Ed25519PublicKey.from_public_bytes(base64.b64decode(os.environ["{{PublicKeyVariable}}"][len("whpk_"):]))


        def verifies(signature, signed):
            try:
                PUBLIC_KEY.verify(base64.b64decode(signature), signed)
                return True
            except InvalidSignature:
                return False


        @app.post("/webhooks/centrali")
        def centrali_webhook():
            # The signature is over the exact bytes received: read them raw, parse only after verifying.
            body = request.get_data()
            msg_id = request.headers.get("webhook-id", "")
            timestamp = request.headers.get("webhook-timestamp", "0")
            # Refuse replays of old deliveries: five minutes of clock difference at most.
            if abs(time.time() - int(timestamp)) > 300:
                abort(401)
            signed = f"{msg_id}.{timestamp}.".encode() + body
            signatures = request.headers.get("webhook-signature", "").split(" ")
            if not any(verifies(s[4:], signed) for s in signatures if s.startswith("v1a,")):
                abort(401)
            event = request.get_json()
            print("got event:", event["event"], event["recordId"])
            return "ok"
        """;

    // The header and prefix may hold quotes or backslashes (both are legal there): escape them per language.
    static string Js(string value) => "'" + value.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
    static string Cs(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    static string Py(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
