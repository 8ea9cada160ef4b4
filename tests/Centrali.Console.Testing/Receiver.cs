using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Centrali.Console.Testing;

/// <param name="RemotePort">The sender's TCP port: tells which process sent it (<see cref="AppProcess.OwnedPorts"/>).</param>
public sealed record ReceivedRequest(DateTime At, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int RemotePort = 0)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var v) ? v : "";
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>What one receiver path got: how many, when the first and last came, and write → receipt latencies.</summary>
public sealed class Sink
{
    int count;
    long first;
    long last;
    public ConcurrentQueue<double> LatenciesMs { get; } = new();
    /// <summary>Stopwatch timestamps of every receipt (for per-second windows).</summary>
    public ConcurrentQueue<long> Times { get; } = new();
    public int Count => Volatile.Read(ref count);
    /// <summary>Stopwatch timestamp of the latest receipt.</summary>
    public long Last => Interlocked.Read(ref last);
    /// <summary>Stopwatch timestamp of the first receipt, if any.</summary>
    public long? First => Interlocked.Read(ref first) is var f and > 0 ? f : null;

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

/// <summary>
/// A real webhook receiver on 127.0.0.1 (Kestrel, a port of its own). Every request is counted per path (<see cref="this[string]"/>);
/// unless started with keepRequests: false (the bench's millions), each one is also kept whole in <see cref="Requests"/>.
/// It answers <see cref="StatusCode"/>, or as <see cref="Respond"/> decides.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    static readonly byte[] SentAtKey = "\"sentAt\":"u8.ToArray();
    readonly WebApplication app;
    readonly bool keepRequests;
    readonly ConcurrentDictionary<string, Sink> sinks = new();

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();
    /// <summary>What the receiver answers when <see cref="Respond"/> is not set; a test flips it to make an endpoint fail or recover.</summary>
    public int StatusCode { get; set; } = 200;
    /// <summary>Decides the answer instead of <see cref="StatusCode"/>.</summary>
    public Func<ReceivedRequest, HttpContext, Task>? Respond { get; set; }
    public string Url { get; private set; } = "";

    Receiver(WebApplication app, bool keepRequests)
    {
        this.app = app;
        this.keepRequests = keepRequests;
    }

    /// <summary>The count of what arrived at <c>/<paramref name="name"/></c>.</summary>
    public Sink this[string name] => sinks.GetOrAdd("/" + name, _ => new Sink());

    public string UrlOf(string name) => $"{Url}/{name}";

    public static async Task<Receiver> StartAsync(bool keepRequests = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        // No console lifetime: Ctrl+C and SIGTERM end the program that hosts it as they would any other.
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        var app = builder.Build();
        var receiver = new Receiver(app, keepRequests);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Urls.First().TrimEnd('/');
        return receiver;
    }

    async Task HandleAsync(HttpContext http)
    {
        var at = DateTime.UtcNow;
        var reader = http.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync();
            if (read.IsCompleted) break;
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        var sentAt = SentAt(read.Buffer);
        var body = keepRequests ? read.Buffer.ToArray() : [];
        reader.AdvanceTo(read.Buffer.End);
        this[http.Request.Path.Value!.TrimStart('/')].Received(Stopwatch.GetTimestamp(), sentAt);
        if (!keepRequests && Respond is null)
        {
            http.Response.StatusCode = StatusCode;
            return;
        }
        var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var request = new ReceivedRequest(at, http.Request.Path, headers, body, http.Connection.RemotePort);
        if (keepRequests) Requests.Enqueue(request);
        if (Respond is { } respond)
        {
            await respond(request, http);
            return;
        }
        http.Response.StatusCode = StatusCode;
        await http.Response.WriteAsync(StatusCode < 300 ? "ok" : "receiver is failing on purpose");
    }

    /// <summary>Waits (up to 20 s by default) until <paramref name="count"/> requests arrived; answers what arrived either way.</summary>
    public async Task<List<ReceivedRequest>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Requests.Count < count && DateTime.UtcNow < deadline) await Task.Delay(25);
        return Requests.ToList();
    }

    /// <summary>The write's send timestamp that the bench puts in its records' data, if the body carries one.</summary>
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
