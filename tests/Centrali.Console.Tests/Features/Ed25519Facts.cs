using Centrali.Console.Tests.Subscriptions;
using NSec.Cryptography;

namespace Centrali.Console.Tests.Features;

/// <summary>
/// signatureScheme ed25519: Standard Webhooks v1a signatures, verified here by libsodium (NSec) and by Node's crypto — neither
/// is the product's signer — with the public key the API answers; rotation signs with both keys during its overlap.
/// </summary>
[Collection(FeaturesApp.Collection)]
public sealed class Ed25519Facts(FeaturesApp fixture)
{
    ConsoleApp App => fixture.App;

    /// <summary>Standard Webhooks v1a as its spec describes it: ed25519 over "{id}.{timestamp}.{body}", any signature of the header.</summary>
    static bool Verifies(ReceivedRequest r, string publicKey)
    {
        var key = PublicKey.Import(SignatureAlgorithm.Ed25519, Convert.FromBase64String(publicKey["whpk_".Length..]), KeyBlobFormat.RawPublicKey);
        var signed = Encoding.UTF8.GetBytes($"{r.Header("webhook-id")}.{r.Header("webhook-timestamp")}.").Concat(r.Body).ToArray();
        return r.Header("webhook-signature").Split(' ').Where(s => s.StartsWith("v1a,"))
            .Any(s => SignatureAlgorithm.Ed25519.Verify(key, signed, Convert.FromBase64String(s[4..])));
    }

    [Fact]
    public async Task AnEd25519Delivery_VerifiesWithThePublicKey_InLibsodiumAndInNode_AndCarriesNoHmacHeader()
    {
        await using var receiver = await Receiver.StartAsync();
        var created = await fixture.SubscribeAsync(receiver.Url, "signed-ed25519", new { signatureScheme = "ed25519" });
        Assert.Equal("ed25519", created.SignatureScheme);
        Assert.Null(created.Secret);
        var publicKey = created.PublicKey!;
        Assert.StartsWith("whpk_", publicKey);
        Assert.Equal(32, Convert.FromBase64String(publicKey["whpk_".Length..]).Length);

        await App.RecordEventsAsync("signed-ed25519", (EventTypes.RecordCreated, Guid.CreateVersion7(), """{"total":5}"""));
        var request = (await receiver.WaitForAsync("signed-ed25519", 1)).Single();
        Assert.StartsWith("v1a,", request.Header("webhook-signature"));
        Assert.Single(request.Header("webhook-signature").Split(' '));
        Assert.Equal("", request.Header("X-Signature"));
        Assert.True(Verifies(request, publicKey), "libsodium verifies the delivery with the answered public key");
        var stranger = "whpk_" + Convert.ToBase64String(Key.Create(SignatureAlgorithm.Ed25519).PublicKey.Export(KeyBlobFormat.RawPublicKey));
        Assert.False(Verifies(request, stranger));
        // A changed body no longer verifies.
        Assert.False(Verifies(request with { Body = Encoding.UTF8.GetBytes(request.Text.Replace("5", "6")) }, publicKey));

        if (!NodePrograms.Available()) return; // Node is on the development machine and in CI.
        var folder = await NodePrograms.VerifiersFolderAsync();
        var lines = (await NodePrograms.RunAsync(folder, "node", "verify-ed25519.js", Input(request, publicKey, stranger)))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["ok", "fail"], lines);
    }

    [Fact]
    public async Task RotatingWithAnOverlap_SignsWithBothKeys_AndThePrivateKeyIsNeverAnswered()
    {
        await using var receiver = await Receiver.StartAsync();
        var created = await fixture.SubscribeAsync(receiver.Url, "rotated-ed25519", new { signatureScheme = "ed25519" });
        var old = created.PublicKey!;
        var rotated = await App.Api().PostJsonAsync($"{FeaturesApp.Base}/{created.Id}/rotate-secret", new { overlap = "PT1H" });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var answer = await rotated.Content.ReadAsStringAsync();
        var data = ApiShapes.Read<ApiOne<ApiSubscription>>(answer).Data;
        var fresh = data.PublicKey!;
        Assert.NotEqual(old, fresh);
        Assert.Equal(old, data.PreviousPublicKey);
        Assert.Null(data.Secret);
        Assert.DoesNotContain("whsk_", answer);

        await App.RecordEventsAsync("rotated-ed25519", (EventTypes.RecordCreated, Guid.CreateVersion7(), "{}"));
        var request = (await receiver.WaitForAsync("rotated-ed25519", 1)).Single();
        Assert.Equal(2, request.Header("webhook-signature").Split(' ').Length);
        Assert.True(Verifies(request, fresh), "the new key");
        Assert.True(Verifies(request, old), "the old key, during the overlap");
        if (!NodePrograms.Available()) return;
        var folder = await NodePrograms.VerifiersFolderAsync();
        Assert.Equal(["ok", "ok"], (await NodePrograms.RunAsync(folder, "node", "verify-ed25519.js", Input(request, fresh, old)))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    static string Input(ReceivedRequest r, params string[] publicKeys) => JsonSerializer.Serialize(new
    {
        publicKeys,
        headers = new Dictionary<string, string>
        {
            ["webhook-id"] = r.Header("webhook-id"), ["webhook-timestamp"] = r.Header("webhook-timestamp"), ["webhook-signature"] = r.Header("webhook-signature"),
        },
        body = Convert.ToBase64String(r.Body),
    });
}
