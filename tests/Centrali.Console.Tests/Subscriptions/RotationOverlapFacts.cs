using Centrali.Console.Webhooks.Secrets;
using Microsoft.Extensions.Time.Testing;

namespace Centrali.Console.Tests.Subscriptions;

/// <summary>Rotation with an overlap: both secrets sign webhook-signature until it ends, then the old one is erased from the table.</summary>
public sealed class RotationOverlapFacts(SharedApp shared) : IClassFixture<SharedApp>
{
    const string Base = SubscriptionsApiFacts.Base;

    static async Task<(Guid Id, string Old)> SubscribeAsync(ConsoleApp app, string url)
    {
        var created = await SubscriptionsApiFacts.CreateAsync(app, SubscriptionsApiFacts.NewBody(url));
        return (created.Id, created.Secret!);
    }

    static async Task<ApiSubscription> RotateAsync(ConsoleApp app, Guid id, string overlap)
    {
        var response = await app.Api().PostJsonAsync($"{Base}/{id}/rotate-secret", new { overlap });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.DataAsync<ApiSubscription>();
    }

    static bool VerifiesXSignature(ReceivedRequest r, string secret) => WebhookSetup.Hmac("sha256", secret, r.Body, false) == r.Header("X-Signature");

    [Fact]
    public async Task DuringTheOverlap_BothSecretsVerify_AfterIt_OnlyTheNewOne_AndTheOldCipherIsErased()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp(services: s => s.AddSingleton<TimeProvider>(clock));
        var (id, old) = await SubscribeAsync(app, receiver.Url);

        var rotated = await RotateAsync(app, id, "PT24H");
        var fresh = rotated.Secret!;
        var until = clock.GetUtcNow().UtcDateTime.AddHours(24);
        Assert.Equal(until, rotated.PreviousSecretExpiresAt!.Value, TimeSpan.FromSeconds(1));
        var read = await app.Api().GetDataAsync<ApiSubscription>($"{Base}/{id}");
        Assert.Equal(until, read.PreviousSecretExpiresAt!.Value, TimeSpan.FromSeconds(1));
        Assert.NotEqual([""], await SubscriptionsApiFacts.RawRowAsync(app, id, "PreviousSecretCipher"));

        await app.RecordEventAsync();
        var during = (await receiver.WaitForAsync(1)).Single();
        Assert.Equal(2, during.Header("webhook-signature").Split(' ').Length);
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(during, old), "a receiver holding only the old secret");
        Assert.False(VerifiesXSignature(during, old));
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(during, fresh), "a receiver holding the new secret: webhook-signature");
        Assert.True(VerifiesXSignature(during, fresh), "a receiver holding the new secret: X-Signature");
        Assert.StartsWith("v1,", during.Header("webhook-signature").Split(' ')[0]);

        clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await using (var scope = app.Scope())
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<SecretErasure>().ErasePreviousSecretsAsync());
        Assert.Equal(["", ""], await SubscriptionsApiFacts.RawRowAsync(app, id, "PreviousSecretCipher, PreviousSecretExpiresAt"));
        Assert.Null((await app.Api().GetDataAsync<ApiSubscription>($"{Base}/{id}")).PreviousSecretExpiresAt);

        await app.RecordEventAsync();
        var after = (await receiver.WaitForAsync(2))[1];
        Assert.Single(after.Header("webhook-signature").Split(' '));
        Assert.False(WebhookSetup.VerifiesStandardWebhooks(after, old));
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(after, fresh));
        Assert.True(VerifiesXSignature(after, fresh));
    }

    [Fact]
    public async Task AnEndedOverlap_IsErasedOnRead_AndTheOldSecretNoLongerSigns_EvenBeforeTheSweep()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp(services: s => s.AddSingleton<TimeProvider>(clock));
        var (id, old) = await SubscribeAsync(app, receiver.Url);
        var fresh = (await RotateAsync(app, id, "01:00:00")).Secret!;

        clock.Advance(TimeSpan.FromHours(2));
        await app.RecordEventAsync();
        var request = (await receiver.WaitForAsync(1)).Single();
        Assert.False(WebhookSetup.VerifiesStandardWebhooks(request, old));
        Assert.True(WebhookSetup.VerifiesStandardWebhooks(request, fresh));

        var list = (await app.Api().GetListAsync<ApiSubscription>(Base)).Data;
        Assert.Null(list.Single().PreviousSecretExpiresAt);
        Assert.Equal(["", ""], await SubscriptionsApiFacts.RawRowAsync(app, id, "PreviousSecretCipher, PreviousSecretExpiresAt"));
    }

    [Fact]
    public async Task TheJobScheduledAtTheOverlapsEnd_ErasesTheOldSecret()
    {
        await using var app = new ConsoleApp();
        var (id, _) = await SubscribeAsync(app, "https://customer.example.com/hook");
        await RotateAsync(app, id, "PT1S");
        Assert.NotEqual([""], await SubscriptionsApiFacts.RawRowAsync(app, id, "PreviousSecretCipher"));

        // Nothing reads the subscription here: only the scheduled Hangfire job can erase it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await SubscriptionsApiFacts.RawRowAsync(app, id, "PreviousSecretCipher")).Single() != "" && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(["", ""], await SubscriptionsApiFacts.RawRowAsync(app, id, "PreviousSecretCipher, PreviousSecretExpiresAt"));
    }

    [Theory]
    [InlineData("P8D")]
    [InlineData("PT169H")]
    [InlineData("7.00:00:01")]
    [InlineData("-PT1H")]
    [InlineData("tomorrow")]
    public async Task RotateSecret_RefusesAnOverlapBeyondSevenDaysOrNotADuration(string overlap)
    {
        var app = shared.App;
        var (id, old) = await SubscribeAsync(app, "https://customer.example.com/hook");
        var response = await app.Api().PostJsonAsync($"{Base}/{id}/rotate-secret", new { overlap });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.ProblemAsync()).Errors!.GetValueOrDefault("overlap"));
        await using var scope = app.Scope();
        Assert.Equal(SubscriptionSecrets.Hint(old), (await scope.ServiceProvider.GetRequiredService<SubscriptionService>()
            .GetAsync((await scope.ServiceProvider.GetRequiredService<Workspaces.WorkspaceService>().EnsureAsync("default")).Id, id)).SecretHint);
    }

    [Theory]
    [InlineData("P7D", 7 * 24)]
    [InlineData("PT24H", 24)]
    [InlineData("24:00:00", 24)]
    [InlineData("PT0S", 0)]
    [InlineData("", 0)]
    public async Task RotateSecret_AcceptsIsoDurationsAndTimeSpans(string overlap, int hours)
    {
        var app = shared.App;
        var (id, _) = await SubscribeAsync(app, "https://customer.example.com/hook");
        var data = await RotateAsync(app, id, overlap);
        if (hours == 0) Assert.Null(data.PreviousSecretExpiresAt);
        else Assert.Equal(DateTime.UtcNow.AddHours(hours), data.PreviousSecretExpiresAt!.Value, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task TheOfficialStandardWebhooksLibrary_VerifiesOldAndNewSecret_DuringTheOverlap()
    {
        if (!NodePrograms.Available()) return; // Node is on the development machine and in CI; elsewhere there is nothing to run the library with.
        var folder = await NodePrograms.VerifiersFolderAsync();

        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var (id, old) = await SubscribeAsync(app, receiver.Url);
        var fresh = (await RotateAsync(app, id, "PT1H")).Secret!;
        await app.RecordEventAsync();
        var request = (await receiver.WaitForAsync(1)).Single();

        var stranger = "whsec_" + Convert.ToBase64String(new byte[32]);
        var input = JsonSerializer.Serialize(new
        {
            secrets = new[] { old, fresh, stranger },
            headers = new Dictionary<string, string>
            {
                ["webhook-id"] = request.Header("webhook-id"),
                ["webhook-timestamp"] = request.Header("webhook-timestamp"),
                ["webhook-signature"] = request.Header("webhook-signature"),
            },
            body = Convert.ToBase64String(request.Body),
        });
        var lines = (await NodePrograms.RunAsync(folder, "node", "verify.js", input)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ok", lines[0]);
        Assert.Equal("ok", lines[1]);
        Assert.StartsWith("fail", lines[2]);
    }
}
