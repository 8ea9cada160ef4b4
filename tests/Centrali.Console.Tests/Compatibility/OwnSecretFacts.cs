using System.Security.Cryptography;
using Centrali.Console.Tests.Records;

namespace Centrali.Console.Tests.Compatibility;

/// <summary>A secret of the user's own, on both route families: checked, answered once, signing both ways, never readable again.</summary>
public sealed class OwnSecretFacts
{
    const string Newer = "/data/workspace/default/api/v1/webhook-subscriptions";
    const string Older = "/workspace/default/api/v1/webhooks";

    static readonly string[] BadSecrets =
        ["short-secret", " padded-secret-value ", "tab\tin-the-secret-value", "whsec_AAAAAAAAAAAAAAAAAAAAAA==", "whsec_not base64 at all!!!!!!!!!!!!"];

    [Fact]
    public async Task ABadSecret_IsRefusedByName_OnBothRouteFamilies_AndChangesNothing()
    {
        await using var app = new ConsoleApp();
        var api = app.Api();
        var created = (await (await api.PostJsonAsync(Older, new { name = "o", url = "https://customer.example.com/hook", events = new[] { "record.created" } })).ReadJsonAsync())["data"]!;
        var hint = (string?)created["secretHint"];
        foreach (var secret in BadSecrets)
        {
            var newer = await api.PostJsonAsync(Newer, new { name = "n", url = "https://customer.example.com/hook", events = new[] { "record_created" }, secret });
            await RecordApi.AssertProblemAsync(newer, HttpStatusCode.BadRequest, "secret");
            var older = await api.PostJsonAsync(Older, new { name = "n", url = "https://customer.example.com/hook", events = new[] { "record.created" }, secret });
            await RecordApi.AssertProblemAsync(older, HttpStatusCode.BadRequest, "secret");
            var rotate = await api.PostJsonAsync($"{Newer}/{created["id"]}/rotate-secret", new { secret });
            await RecordApi.AssertProblemAsync(rotate, HttpStatusCode.BadRequest, "secret");
            var patch = await api.SendRawAsync(HttpMethod.Patch, $"{Older}/{created["id"]}", $$"""{"secret": {{System.Text.Json.JsonSerializer.Serialize(secret)}}, "name": "renamed"}""");
            await RecordApi.AssertProblemAsync(patch, HttpStatusCode.BadRequest, "secret");
            Assert.DoesNotContain(secret, await newer.Content.ReadAsStringAsync() + await older.Content.ReadAsStringAsync() + await patch.Content.ReadAsStringAsync());
        }
        var all = (await (await api.GetAsync(Newer)).ReadJsonAsync())["data"]!.AsArray();
        var only = Assert.Single(all)!;
        Assert.Equal(hint, (string?)only["secretHint"]);
        Assert.Equal("o", (string?)only["name"]);
    }

    [Fact]
    public async Task AnOwnSecret_SignsBothWays_IsAnsweredOnce_AndIsNeverInAReadTheLogOrTheDatabase()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var api = app.Api();
        await api.CreateCollectionAsync("orders");
        const string Own = "my-own-receiver-secret-1234";
        var created = await api.PostJsonAsync(Newer, new { name = "own", url = receiver.Url, events = new[] { "record_created" }, secret = Own });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var data = (await created.ReadJsonAsync())["data"]!;
        Assert.Equal(Own, (string?)data["secret"]);
        Assert.Equal("…34", (string?)data["secretHint"]);
        var id = (string)data["id"]!;

        await api.CreateRecordAsync("orders", """{"total": 210}""");
        var first = (await receiver.WaitForAsync(1)).Single();
        Assert.Equal(WebhookSetup.Hmac("sha256", Own, first.Body, hex: false), first.Header("X-Signature"));
        // Standard Webhooks with a secret that is not whsec_: its UTF-8 bytes are the key (the libraries' "raw" format).
        var signed = Encoding.UTF8.GetBytes($"{first.Header("webhook-id")}.{first.Header("webhook-timestamp")}.{first.Text}");
        Assert.Equal("v1," + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Own), signed)), first.Header("webhook-signature"));

        var generatedForm = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
        var rotated = await api.PostJsonAsync($"{Newer}/{id}/rotate-secret", new { secret = generatedForm });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(generatedForm, (string?)(await rotated.ReadJsonAsync())["data"]!["secret"]);
        await api.CreateRecordAsync("orders", """{"total": 211}""");
        var second = (await receiver.WaitForAsync(2)).Last();
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(second, generatedForm));
        Assert.Equal(WebhookSetup.Hmac("sha256", generatedForm, second.Body, hex: false), second.Header("X-Signature"));

        const string OlderOwn = "older-guide-style-secret";
        var older = await api.PostJsonAsync(Older, new { name = "older", url = receiver.Url, events = new[] { "record.updated" }, secret = OlderOwn });
        Assert.Equal(OlderOwn, (string?)(await older.ReadJsonAsync())["data"]!["secret"]);

        var reads = await api.GetStringAsync(Newer) + await api.GetStringAsync($"{Newer}/{id}") + await api.GetStringAsync(Older)
            + await api.GetStringAsync("/data/workspace/default/api/v1/webhook-subscriptions/deliveries") + await api.GetStringAsync("/data/workspace/default/api/v1/audit");
        foreach (var secret in new[] { Own, generatedForm, OlderOwn })
        {
            Assert.DoesNotContain(secret, reads);
            Assert.DoesNotContain(app.Logs, l => l.Contains(secret));
            foreach (var file in Directory.GetFiles(app.Folder, "*", SearchOption.AllDirectories))
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                Assert.True(copy.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{Path.GetFileName(file)} holds a secret in plain text");
            }
        }
    }
}
