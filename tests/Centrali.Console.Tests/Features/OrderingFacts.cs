using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Features;

/// <summary>ordering: record — one record's deliveries to a subscription in event order, other records in parallel, replays outside the order.</summary>
[Collection(FeaturesApp.Collection)]
public sealed class OrderingFacts(FeaturesApp fixture)
{
    ConsoleApp App => fixture.App;

    [Fact]
    public async Task ARecordsEvents_ArriveInEventOrder_WhileItsFirstIsRetried_AndAnotherRecordIsNotHeldUp()
    {
        await using var receiver = await Receiver.StartAsync();
        Guid first = Guid.CreateVersion7(), other = Guid.CreateVersion7();
        var otherArrived = new TaskCompletionSource();
        var released = false;
        var failures = 0;
        receiver.Respond = (r, http) =>
        {
            if (r.Text.Contains(other.ToString())) otherArrived.TrySetResult();
            // The first record's created event fails twice, and until the test has looked (and the other record arrived):
            // if that record's later events or the other record waited on something else, they would never arrive.
            else if (r.Text.Contains("record_created") && (Interlocked.Increment(ref failures) <= 2 || !Volatile.Read(ref released)))
                http.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var created = await fixture.SubscribeAsync(receiver.Url, "ordered", new { ordering = "record", retryDelays = new[] { "00:00:01", "00:00:01", "00:00:01", "00:00:01" } });
        Assert.Equal("record", created.Ordering);
        var subscription = created.Id;

        var events = await App.RecordEventsAsync("ordered",
            (EventTypes.RecordCreated, first, """{"n":1}"""),
            (EventTypes.RecordUpdated, first, """{"n":2}"""),
            (EventTypes.RecordDeleted, first, """{"n":3}"""),
            (EventTypes.RecordCreated, other, """{"n":1}"""));

        await otherArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiting = await App.WaitForDeliveriesAsync(all => all.Single(d => d.EventId == events[0].Id).AttemptCount >= 1);
        var head = waiting.Single(d => d.EventId == events[0].Id);
        var second = waiting.Single(d => d.EventId == events[1].Id);
        Assert.Equal(DeliveryStatus.Pending, second.Status);
        Assert.Equal(0, second.AttemptCount);
        Assert.Contains($"Waiting on delivery {head.Id}", second.LastError);
        Assert.Contains($"Waiting on delivery {second.Id}", waiting.Single(d => d.EventId == events[2].Id).LastError);
        Volatile.Write(ref released, true);

        var done = await App.WaitForDeliveriesAsync(all => all.Where(d => d.SubscriptionId == subscription).All(d => d.Status == DeliveryStatus.Succeeded));
        var ofFirst = receiver.Requests.Where(r => r.Text.Contains(first.ToString())).Select(r => r.Header("X-Centrali-Event")).ToList();
        Assert.True(ofFirst.Count >= 5, string.Join(", ", ofFirst));
        Assert.Equal(["record_updated", "record_deleted"], ofFirst[^2..]);
        Assert.All(ofFirst[..^2], type => Assert.Equal("record_created", type));
        Assert.True(done.Single(d => d.EventId == events[0].Id).AttemptCount >= 3);
        // Each waiting delivery was attempted once, after the one before it had succeeded; its waiting note is gone.
        Assert.All(done.Where(d => d.SubscriptionId == subscription && d.EventId != events[0].Id), d => Assert.Equal(1, d.AttemptCount));
        Assert.All(done.Where(d => d.SubscriptionId == subscription), d => Assert.Null(d.LastError));
    }

    [Fact]
    public async Task AReplay_IsOutsideTheOrder_ItNeitherWaitsNorHoldsUpTheRecord()
    {
        await using var receiver = await Receiver.StartAsync();
        var record = Guid.CreateVersion7();
        var failUpdates = true;
        receiver.Respond = (r, http) =>
        {
            if (r.Text.Contains("record_updated") && Volatile.Read(ref failUpdates)) http.Response.StatusCode = 500;
            return Task.CompletedTask;
        };
        var created = await fixture.SubscribeAsync(receiver.Url, "ordered-replay", new { ordering = "record", retryDelays = new[] { "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01", "00:00:01" } });
        var subscription = created.Id;
        var createdEvent = (await App.RecordEventsAsync("ordered-replay", (EventTypes.RecordCreated, record, "{}")))[0];
        var original = (await App.WaitForDeliveriesAsync(all => all.Single(d => d.EventId == createdEvent.Id).Status == DeliveryStatus.Succeeded))
            .Single(d => d.EventId == createdEvent.Id);
        // The record's update keeps failing: it is pending, and so its record's next deliveries wait.
        var updated = (await App.RecordEventsAsync("ordered-replay", (EventTypes.RecordUpdated, record, "{}")))[0];
        await App.WaitForDeliveriesAsync(all => all.Single(d => d.EventId == updated.Id).AttemptCount >= 1);

        var replay = await App.Api().PostAsync($"/data/workspace/default/api/v1/webhook-subscriptions/deliveries/{original.Id}/retry", null);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        var all = await App.WaitForDeliveriesAsync(d => d.Single(x => x.ReplayedFrom == original.Id).Status == DeliveryStatus.Succeeded);
        Assert.Equal(DeliveryStatus.Pending, all.Single(d => d.EventId == updated.Id).Status);

        // The replay never held the update up either: once the receiver takes it, it goes.
        Volatile.Write(ref failUpdates, false);
        await App.WaitForDeliveriesAsync(d => d.Where(x => x.SubscriptionId == subscription).All(x => x.Status == DeliveryStatus.Succeeded));
    }
}
