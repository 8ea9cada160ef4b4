using Centrali.Console.Tests.Subscriptions;

namespace Centrali.Console.Tests.Features;

/// <summary>headers and secretHeaders: sent with every delivery; secret values stored encrypted and answered masked, also in the log.</summary>
[Collection(FeaturesApp.Collection)]
public sealed class CustomHeaderFacts(FeaturesApp fixture)
{
    ConsoleApp App => fixture.App;
    const string Token = "Bearer s3cr3t-receiver-token-x9";

    [Fact]
    public async Task HeadersArrive_SecretValuesAreMaskedOnRead_InTheLog_AndEncryptedInTheTable()
    {
        await using var receiver = await Receiver.StartAsync();
        var created = await fixture.SubscribeAsync(receiver.Url, "headers", new
        {
            headers = new Dictionary<string, string> { ["X-Tenant"] = "acme" },
            secretHeaders = new Dictionary<string, string> { ["Authorization"] = Token },
        });
        var id = created.Id;
        Assert.Equal("acme", created.Headers["X-Tenant"]);
        Assert.Equal("Bea…x9", created.SecretHeaders["Authorization"]);
        var answer = await App.Api().GetStringAsync($"{FeaturesApp.Base}/{id}");
        Assert.Equal("Bea…x9", ApiShapes.Read<ApiOne<ApiSubscription>>(answer).Data.SecretHeaders["Authorization"]);
        Assert.DoesNotContain("s3cr3t", answer);
        var row = string.Join("|", await SubscriptionsApiFacts.RawRowAsync(App, id, "SecretHeadersCipher, SecretHeadersHint"));
        Assert.DoesNotContain("s3cr3t", row);

        var e = (await App.RecordEventsAsync("headers", (EventTypes.RecordCreated, Guid.CreateVersion7(), "{}")))[0];
        var request = (await receiver.WaitForAsync("headers", 1)).Single();
        Assert.Equal("acme", request.Header("X-Tenant"));
        Assert.Equal(Token, request.Header("Authorization"));
        var delivery = (await App.WaitForDeliveriesAsync(all => all.Single(d => d.EventId == e.Id).Status == DeliveryStatus.Succeeded)).Single(d => d.EventId == e.Id);
        var logged = Assert.Single(delivery.Attempts).RequestHeaders;
        var loggedHeaders = JsonSerializer.Deserialize<Dictionary<string, string>>(logged!)!;
        Assert.Equal("Bea…x9", loggedHeaders["Authorization"]);
        Assert.Equal("acme", loggedHeaders["X-Tenant"]);
        Assert.DoesNotContain("s3cr3t", logged);

        // Sending the masked value back keeps the stored one; the plain headers are replaced as sent.
        var patch = await App.Api().PatchAsync($"{FeaturesApp.Base}/{id}", new StringContent(
            """{"headers":{"X-Tenant":"globex"},"secretHeaders":{"Authorization":"Bea…x9"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        await App.RecordEventsAsync("headers", (EventTypes.RecordCreated, Guid.CreateVersion7(), "{}"));
        var next = (await receiver.WaitForAsync("headers", 2))[1];
        Assert.Equal("globex", next.Header("X-Tenant"));
        Assert.Equal(Token, next.Header("Authorization"));
    }

    [Theory]
    [InlineData("""{"headers":{"Host":"evil.example"}}""", "headers")]
    [InlineData("""{"headers":{"Content-Type":"text/plain"}}""", "headers")]
    [InlineData("""{"headers":{"User-Agent":"x"}}""", "headers")]
    [InlineData("""{"headers":{"X-Signature":"x"}}""", "headers")]
    [InlineData("""{"secretHeaders":{"webhook-id":"x"}}""", "secretHeaders")]
    [InlineData("""{"headers":{"X-Centrali-Event":"x"}}""", "headers")]
    [InlineData("""{"headers":{"Bad Name":"x"}}""", "headers")]
    [InlineData("""{"headers":{"X-Split":"a\r\nX-Injected: b"}}""", "headers")]
    [InlineData("""{"headers":{"X-A":"1"},"secretHeaders":{"x-a":"2"}}""", "secretHeaders")]
    public async Task ReservedOrBadHeaders_AreA400NamingTheField(string fields, string field)
    {
        var created = await fixture.SubscribeAsync("https://customer.example.com/headers", "headers-refused");
        var patch = await App.Api().PatchAsync($"{FeaturesApp.Base}/{created.Id}", new StringContent(fields, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        var problem = await patch.ProblemAsync();
        Assert.True(problem.Errors?.GetValueOrDefault(field) is { Length: > 0 }, $"errors.{field} in {string.Join(", ", problem.Errors?.Keys ?? [])}");
        var read = await App.Api().GetDataAsync<ApiSubscription>($"{FeaturesApp.Base}/{created.Id}");
        Assert.Empty(read.Headers);
        Assert.Empty(read.SecretHeaders);
    }

    [Fact]
    public async Task MoreThanTwentyInAll_IsRefused()
    {
        var headers = Enumerable.Range(0, 15).ToDictionary(i => $"X-Plain-{i}", i => "v");
        var secret = Enumerable.Range(0, 6).ToDictionary(i => $"X-Secret-{i}", i => "value-long-enough");
        var body = new JsonObject
        {
            ["name"] = "too-many", ["url"] = "https://customer.example.com/headers", ["events"] = new JsonArray("record_created"),
            ["headers"] = System.Text.Json.JsonSerializer.SerializeToNode(headers), ["secretHeaders"] = System.Text.Json.JsonSerializer.SerializeToNode(secret),
        };
        var response = await App.Api().PostRawAsync(FeaturesApp.Base, body.ToJsonString());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.ProblemAsync()).Errors?.GetValueOrDefault("secretHeaders") is { Length: > 0 });
    }
}
