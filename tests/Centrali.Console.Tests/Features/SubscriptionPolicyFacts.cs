using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Features;

/// <summary>A subscription's own retryDelays and timeout: validated, read back, and followed by the dispatcher instead of the configured ones.</summary>
[Collection(FeaturesApp.Collection)]
public sealed class SubscriptionPolicyFacts(FeaturesApp fixture)
{
    ConsoleApp App => fixture.App;

    [Fact]
    public async Task OwnRetryDelays_AreFollowedExactly_InsteadOfTheConfiguredTenMinutes()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) => { http.Response.StatusCode = 500; return Task.CompletedTask; };
        var created = await fixture.SubscribeAsync(receiver.Url, "policy-retries", new { retryDelays = new[] { "00:00:01", "PT2S" } });
        Assert.Equal(["00:00:01", "00:00:02"], created.RetryDelays);
        var id = created.Id;

        await App.RecordEventAsync("policy-retries");
        var delivery = (await App.WaitForDeliveriesAsync(all => all.Single(d => d.SubscriptionId == id).Status == DeliveryStatus.Failed))
            .Single(d => d.SubscriptionId == id);
        Assert.Equal(3, delivery.MaxAttempts);
        var attempts = delivery.Attempts.OrderBy(a => a.Number).ToList();
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Number));
        // Each retry is due its delay after the previous attempt's answer: never earlier (no jitter configured).
        for (var i = 1; i < attempts.Count; i++)
        {
            var answered = attempts[i - 1].StartedAt.AddMilliseconds(attempts[i - 1].DurationMs);
            var waited = attempts[i].StartedAt - answered;
            Assert.True(waited >= TimeSpan.FromSeconds(i), $"attempt {i + 1} came {waited.TotalMilliseconds} ms after attempt {i}'s answer; the delay is {i} s");
        }
        Assert.Equal(3, (await receiver.WaitForAsync("policy-retries", 3)).Count);
    }

    [Fact]
    public async Task NoRetries_IsOneAttempt_AndOwnTimeout_CutsASlowReceiver()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = async (_, http) =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(20), http.RequestAborted); } catch (OperationCanceledException) { }
        };
        var created = await fixture.SubscribeAsync(receiver.Url, "policy-timeout", new { retryDelays = Array.Empty<string>(), timeout = 1 });
        Assert.Empty(created.RetryDelays!);
        Assert.Equal(1, created.Timeout);
        var id = created.Id;

        await App.RecordEventAsync("policy-timeout");
        var delivery = (await App.WaitForDeliveriesAsync(all => all.Single(d => d.SubscriptionId == id).Status == DeliveryStatus.Failed))
            .Single(d => d.SubscriptionId == id);
        Assert.Equal(1, delivery.MaxAttempts);
        var attempt = Assert.Single(delivery.Attempts);
        Assert.Equal("Timed out after 1 s", attempt.Error);
    }

    [Theory]
    [InlineData("""{"retryDelays":["soon"]}""", "retryDelays")]
    [InlineData("""{"retryDelays":["00:00:00.500"]}""", "retryDelays")]
    [InlineData("""{"retryDelays":["1.00:00:01"]}""", "retryDelays")]
    [InlineData("""{"retryDelays":["00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01","00:00:01"]}""", "retryDelays")]
    [InlineData("""{"timeout":0}""", "timeout")]
    [InlineData("""{"timeout":61}""", "timeout")]
    [InlineData("""{"timeout":"00:00:10"}""", "body")]
    public async Task OutOfLimits_IsA400NamingTheField_AndChangesNothing(string fields, string field)
    {
        var created = await fixture.SubscribeAsync("https://customer.example.com/policy", "policy-limits");
        var patch = await App.Api().PatchAsync($"{FeaturesApp.Base}/{created.Id}", new StringContent(fields, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        Assert.Equal("application/problem+json", patch.Content.Headers.ContentType?.MediaType);
        var problem = await patch.ProblemAsync();
        Assert.True(problem.Errors?.GetValueOrDefault(field) is { Length: > 0 }, $"errors.{field} in {string.Join(", ", problem.Errors?.Keys ?? [])}");
        var read = await App.Api().GetDataAsync<ApiSubscription>($"{FeaturesApp.Base}/{created.Id}");
        Assert.Null(read.RetryDelays);
        Assert.Null(read.Timeout);

        var body = JsonNode.Parse(fields)!.AsObject();
        body["name"] = "refused";
        body["url"] = "https://customer.example.com/policy";
        body["events"] = new JsonArray("record_created");
        var before = (await App.Api().GetListAsync<ApiSubscription>(FeaturesApp.Base + "?limit=100")).Data.Count;
        Assert.Equal(HttpStatusCode.BadRequest, (await App.Api().PostRawAsync(FeaturesApp.Base, body.ToJsonString())).StatusCode);
        Assert.Equal(before, (await App.Api().GetListAsync<ApiSubscription>(FeaturesApp.Base + "?limit=100")).Data.Count);
    }

    [Fact]
    public async Task Patch_SetsThePolicy_AndNullGoesBackToTheConfiguredOne()
    {
        var created = await fixture.SubscribeAsync("https://customer.example.com/policy", "policy-patch");
        var url = $"{FeaturesApp.Base}/{created.Id}";
        var set = await App.Api().PatchAsync(url, new StringContent("""{"retryDelays":["PT10S","00:05:00"],"timeout":15}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var read = await App.Api().GetDataAsync<ApiSubscription>(url);
        Assert.Equal(["00:00:10", "00:05:00"], read.RetryDelays);
        Assert.Equal(15, read.Timeout);

        // A patch without the fields leaves them; null clears them.
        await App.Api().PatchAsync(url, new StringContent("""{"name":"renamed"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(15, (await App.Api().GetDataAsync<ApiSubscription>(url)).Timeout);
        var cleared = await App.Api().PatchAsync(url, new StringContent("""{"retryDelays":null,"timeout":null}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        read = await App.Api().GetDataAsync<ApiSubscription>(url);
        Assert.Null(read.RetryDelays);
        Assert.Null(read.Timeout);
    }
}
