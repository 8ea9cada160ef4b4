using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Centrali.Console.Bench;

/// <summary>What one receiver path got: how many, when the last one came, and write → receipt latencies.</summary>
public sealed class Sink
{
    int count;
    long last;
    public ConcurrentQueue<double> LatenciesMs { get; } = new();
    public int Count => Volatile.Read(ref count);
    /// <summary>Stopwatch timestamp of the latest receipt.</summary>
    public long Last => Interlocked.Read(ref last);

    long first;
    /// <summary>Stopwatch timestamp of the first receipt, if any.</summary>
    public long? First => Interlocked.Read(ref first) is var f and > 0 ? f : null;

    /// <summary>Stopwatch timestamps of every receipt (for per-second windows).</summary>
    public ConcurrentQueue<long> Times { get; } = new();

    public void Received(long now, long sentAt)
    {
        Times.Enqueue(now);
        Interlocked.CompareExchange(ref first, now, 0);
        Interlocked.Exchange(ref last, now);
        if (sentAt > 0) LatenciesMs.Enqueue(Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds);
        Interlocked.Increment(ref count);
    }

    /// <summary>Waits for <paramref name="expected"/> receipts; gives up when nothing new has come for <paramref name="stall"/>.</summary>
    public async Task<bool> WaitForAsync(int expected, TimeSpan stall)
    {
        var seen = Count;
        var lastProgress = Stopwatch.GetTimestamp();
        while (Count < expected)
        {
            await Task.Delay(5);
            var now = Count;
            if (now != seen) { seen = now; lastProgress = Stopwatch.GetTimestamp(); }
            else if (Stopwatch.GetElapsedTime(lastProgress) > stall) return false;
        }
        return true;
    }
}

/// <summary>A fast Kestrel receiver on 127.0.0.1: answers 200 to everything, counting per path.</summary>
public sealed class Receiver : IAsyncDisposable
{
    static readonly byte[] SentAtKey = "\"sentAt\":"u8.ToArray();
    readonly WebApplication app;
    readonly ConcurrentDictionary<string, Sink> sinks = new();
    public string Url { get; private set; } = "";

    Receiver(WebApplication app) => this.app = app;

    public Sink this[string name] => sinks.GetOrAdd("/" + name, _ => new Sink());

    public string UrlOf(string name) => $"{Url}/{name}";

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        // No console lifetime: Ctrl+C and SIGTERM end the bench as they would any console program.
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Urls.First().TrimEnd('/');
        return receiver;
    }

    async Task HandleAsync(HttpContext http)
    {
        var reader = http.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync();
            if (read.IsCompleted) break;
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        var sentAt = SentAt(read.Buffer);
        reader.AdvanceTo(read.Buffer.End);
        this[http.Request.Path.Value!.TrimStart('/')].Received(Stopwatch.GetTimestamp(), sentAt);
        http.Response.StatusCode = 200;
    }

    static long SentAt(ReadOnlySequence<byte> body)
    {
        var bytes = body.IsSingleSegment ? body.FirstSpan : body.ToArray();
        var at = bytes.IndexOf(SentAtKey);
        if (at < 0) return 0;
        var rest = bytes[(at + SentAtKey.Length)..].TrimStart((byte)' ');
        return Utf8Parser.TryParse(rest, out long value, out _) ? value : 0;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
