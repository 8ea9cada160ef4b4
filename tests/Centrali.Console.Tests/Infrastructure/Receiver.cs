using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Centrali.Console.Tests.Infrastructure;

/// <param name="RemotePort">The sender's TCP port: tells which process sent it (<see cref="AppInstance.OwnsPort"/>).</param>
public sealed record ReceivedRequest(DateTime At, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int RemotePort = 0)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : "";
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>A real HTTP receiver on 127.0.0.1 that records every request and answers as told.</summary>
public sealed class Receiver : IAsyncDisposable
{
    readonly WebApplication app;
    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    /// <summary>Decides the answer; by default 200 "ok".</summary>
    public Func<ReceivedRequest, HttpContext, Task> Respond { get; set; } = (_, http) => http.Response.WriteAsync("ok");
    public string Url { get; }

    Receiver(WebApplication app, string url) { this.app = app; Url = url; }

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        Receiver? self = null;
        app.Run(async http =>
        {
            using var ms = new MemoryStream();
            await http.Request.Body.CopyToAsync(ms);
            var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var request = new ReceivedRequest(DateTime.UtcNow, http.Request.Path, headers, ms.ToArray(), http.Connection.RemotePort);
            self!.Requests.Enqueue(request);
            await self.Respond(request, http);
        });
        await app.StartAsync();
        var address = app.Urls.First();
        self = new Receiver(app, address.TrimEnd('/'));
        return self;
    }

    public async Task<List<ReceivedRequest>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Requests.Count < count && DateTime.UtcNow < deadline) await Task.Delay(25);
        return Requests.ToList();
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
