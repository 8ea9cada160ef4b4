using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Centrali.Console.E2E.Infrastructure;

/// <summary>A real webhook receiver on 127.0.0.1 that answers with <see cref="StatusCode"/> and notes when each request arrived.</summary>
public sealed class Receiver : IAsyncDisposable
{
    readonly WebApplication app;
    public ConcurrentQueue<DateTime> ReceivedAt { get; } = new();
    /// <summary>What the receiver answers; a test flips it to make a failing endpoint recover.</summary>
    public int StatusCode { get; set; } = 200;
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
            self!.ReceivedAt.Enqueue(DateTime.UtcNow);
            http.Response.StatusCode = self.StatusCode;
            await http.Response.WriteAsync(self.StatusCode < 300 ? "ok" : "receiver is failing on purpose");
        });
        await app.StartAsync();
        self = new Receiver(app, app.Urls.First().TrimEnd('/'));
        return self;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
