using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Features;

/// <summary>rateLimit as the receiver sees it, and adaptive throttling: halved by a 429, back to the limit after successes.</summary>
[Collection(FeaturesApp.Collection)]
public sealed class RateLimitFacts(FeaturesApp fixture)
{
    ConsoleApp App => fixture.App;

    [Fact]
    public async Task TwentyPerSecond_TwoHundredDeliveries_TakeAtLeast9Point5Seconds_AndNoSecondAtTheReceiverHoldsMoreThanTwenty()
    {
        await using var receiver = await Receiver.StartAsync();
        var created = await fixture.SubscribeAsync(receiver.Url, "limited", new { rateLimit = 20 });
        Assert.Equal(20, created.RateLimit);
        await App.RecordEventsAsync("limited", [.. Enumerable.Range(0, 200).Select(i => (EventTypes.RecordCreated, Guid.CreateVersion7(), $$"""{"n":{{i}}}"""))]);

        var requests = await receiver.WaitForAsync("limited", 200, TimeSpan.FromSeconds(60));
        Assert.Equal(200, requests.Count);
        var times = requests.Select(r => r.At).Order().ToList();
        Assert.True(times[^1] - times[0] >= TimeSpan.FromSeconds(9.5), $"200 deliveries at 20/s arrived within {(times[^1] - times[0]).TotalSeconds:0.00} s");
        // Every window of one second that starts at an arrival: at most 20 arrivals in it.
        var busiest = times.Select((t, i) => times.Skip(i).TakeWhile(u => u - t < TimeSpan.FromSeconds(1)).Count()).Max();
        Assert.True(busiest <= 20, $"{busiest} deliveries arrived within one second (200 over {(times[^1] - times[0]).TotalSeconds:0.00} s)");
    }

    [Fact]
    public async Task A429_HalvesTheEffectiveRate_AndSuccessesBringItBackToTheLimit()
    {
        await using var receiver = await Receiver.StartAsync();
        var throttle = true;
        receiver.Respond = (_, http) =>
        {
            if (Volatile.Read(ref throttle)) http.Response.StatusCode = 429;
            return Task.CompletedTask;
        };
        var created = await fixture.SubscribeAsync(receiver.Url, "throttled", new { rateLimit = 4, retryDelays = new[] { "01:00:00" } });
        var url = $"{FeaturesApp.Base}/{created.Id}";
        Assert.Equal(4.0, created.EffectiveRate);

        var first = (await App.RecordEventsAsync("throttled", (EventTypes.RecordCreated, Guid.CreateVersion7(), "{}")))[0];
        await App.WaitForDeliveriesAsync(all => all.Single(d => d.EventId == first.Id).AttemptCount == 1);
        var read = await App.Api().GetDataAsync<ApiSubscription>(url);
        Assert.Equal(2.0, read.EffectiveRate);
        Assert.NotNull(read.ThrottledAt);

        Volatile.Write(ref throttle, false);
        var second = (await App.RecordEventsAsync("throttled", (EventTypes.RecordCreated, Guid.CreateVersion7(), "{}")))[0];
        await App.WaitForDeliveriesAsync(all => all.Single(d => d.EventId == second.Id).Status == DeliveryStatus.Succeeded);
        // Gradually: one success at 2/s raises it by a twentieth of the limit (at least 1/s) per second's worth, 1/2 here.
        Assert.Equal(2.5, (await App.Api().GetDataAsync<ApiSubscription>(url)).EffectiveRate);

        var more = await App.RecordEventsAsync("throttled", [.. Enumerable.Range(0, 8).Select(_ => (EventTypes.RecordCreated, Guid.CreateVersion7(), "{}"))]);
        var ids = more.Select(e => e.Id).ToHashSet();
        await App.WaitForDeliveriesAsync(all => all.Count(d => ids.Contains(d.EventId) && d.Status == DeliveryStatus.Succeeded) == 8);
        read = await App.Api().GetDataAsync<ApiSubscription>(url);
        Assert.Equal(4.0, read.EffectiveRate);
    }
}
