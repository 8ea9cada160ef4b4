using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Centrali.Console.Tests.Realtime;

public sealed class DeliveriesHubFacts
{
    static HubConnection Connect(ConsoleApp app, string? token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "/hubs/deliveries"), o =>
            {
                o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                if (token is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();

    [Fact]
    public async Task TokenClient_SeesEachAttemptOfItsWorkspace_AndOthersSeeNothing()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = (_, http) => { http.Response.StatusCode = 500; return Task.CompletedTask; };
        await using var app = new ConsoleApp(new Dictionary<string, string?> { ["Webhooks:CircuitBreaker:FailureThreshold"] = "100" });
        var otherToken = await app.OtherWorkspaceTokenAsync();
        var seen = new ConcurrentQueue<JsonElement>();
        var seenByOther = new ConcurrentQueue<JsonElement>();
        await using var mine = Connect(app, ConsoleApp.Token);
        await using var theirs = Connect(app, otherToken);
        mine.On<JsonElement>("deliveryChanged", m => seen.Enqueue(m));
        theirs.On<JsonElement>("deliveryChanged", m => seenByOther.Enqueue(m));
        await mine.StartAsync();
        await theirs.StartAsync();
        // Start returns at the handshake; the answer comes once each connection has joined its workspace.
        var followed = await mine.InvokeAsync<Guid?>("Following");
        var followedByOther = await theirs.InvokeAsync<Guid?>("Following");
        Assert.NotNull(followed);
        Assert.NotNull(followedByOther);
        Assert.NotEqual(followed, followedByOther);

        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(d => d.Single().Status == "failed");
        var deadline = DateTime.UtcNow.AddSeconds(30); // the database says failed; on a loaded machine the hub message can trail it by seconds
        while (!seen.Any(m => m.GetProperty("status").GetString() == "failed") && DateTime.UtcNow < deadline) await Task.Delay(50);

        var changes = seen.ToList();
        var counts = changes.Select(m => m.GetProperty("attemptCount").GetInt32()).Distinct().ToList();
        Assert.Equal([0, 1, 2, 3, 4, 5], counts);
        var nextTimes = changes.Where(m => m.GetProperty("status").GetString() == "pending" && m.GetProperty("attemptCount").GetInt32() > 0)
            .Select(m => m.GetProperty("nextAttemptAt").GetDateTime()).ToList();
        Assert.Equal(nextTimes.Count, nextTimes.Distinct().Count());
        Assert.True(nextTimes.Count >= 4);
        var last = changes[^1];
        Assert.Equal("failed", last.GetProperty("status").GetString());
        Assert.Equal(5, last.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(500, last.GetProperty("lastStatusCode").GetInt32());
        Assert.Empty(seenByOther);
    }

    [Fact]
    public async Task ClientWithoutToken_IsRefused()
    {
        await using var app = new ConsoleApp();
        await using var anonymous = Connect(app, null);
        await Assert.ThrowsAnyAsync<Exception>(() => anonymous.StartAsync());
        await using var wrong = Connect(app, "cct_wrong");
        await Assert.ThrowsAnyAsync<Exception>(() => wrong.StartAsync());
    }
}
