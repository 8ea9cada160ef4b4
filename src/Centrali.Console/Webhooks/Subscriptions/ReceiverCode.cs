namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>How one subscription signs: the four parts a receiver must reproduce, and the payload format it reads.</summary>
public sealed record SignatureSettings(string Header, string Algorithm, string Encoding, string Prefix, string PayloadFormat = Delivery.PayloadFormats.V2)
{
    public static SignatureSettings Of(SubscriptionView s) => new(s.SignatureHeader, s.Algorithm, s.Encoding, s.SignaturePrefix, s.PayloadFormat);

    /// <summary>The older guide's body keeps the record id under data.</summary>
    public bool Legacy => PayloadFormat == Delivery.PayloadFormats.V1;
}

/// <summary>
/// Ready-to-paste receiver code ("Verify on your side") that checks exactly this subscription's signature:
/// HMAC over the raw body bytes with the whole secret string as key, compared in constant time.
/// </summary>
public static class ReceiverCode
{
    public const string SecretVariable = "CENTRALI_WEBHOOK_SECRET";

    public static string Node(SignatureSettings s)
    {
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

    // The header and prefix may hold quotes or backslashes (both are legal there): escape them per language.
    static string Js(string value) => "'" + value.Replace("\\", "\\\\").Replace("'", "\\'") + "'";
    static string Cs(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    static string Py(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
