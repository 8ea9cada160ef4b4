using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Centrali.Console.Bench;

/// <summary>A real HTTP client of the public API, as a user's script would be.</summary>
public sealed class Api : IDisposable
{
    readonly HttpClient http;

    public Api(AppProcess app)
    {
        http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseCookies = false })
        {
            BaseAddress = new Uri($"{app.BaseUrl}/data/workspace/{AppProcess.Workspace}/api/v1/"),
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppProcess.Token);
    }

    public async Task CreateCollectionAsync(string slug)
    {
        using var r = await http.PostAsJsonAsync("collections", new { name = slug, slug });
        await EnsureAsync(r);
    }

    /// <summary>A subscription to record_created of one collection; answers its id.</summary>
    public async Task<Guid> SubscribeAsync(string name, string url, string collection, string ordering = "none", int? rateLimit = null)
    {
        using var r = await http.PostAsJsonAsync("webhook-subscriptions",
            new { name, url, events = new[] { "record_created" }, recordSlugs = new[] { collection }, ordering, rateLimit });
        await EnsureAsync(r);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStreamAsync());
        return doc.RootElement.GetProperty("data").GetProperty("id").GetGuid();
    }

    public async Task UnsubscribeAsync(Guid id)
    {
        using var r = await http.DeleteAsync($"webhook-subscriptions/{id}");
        await EnsureAsync(r);
    }

    /// <summary>Creates one record carrying the send timestamp (for write → receipt latency); answers the call's duration in ms.</summary>
    public async Task<double> CreateRecordAsync(string collection, int n)
    {
        var sentAt = Stopwatch.GetTimestamp();
        using var content = new StringContent(RecordData(sentAt, n), Encoding.UTF8, "application/json");
        using var r = await http.PostAsync($"collections/{collection}/records", content);
        await EnsureAsync(r);
        return Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
    }

    /// <summary>One GET of the delivery log; answers its duration in ms (body read included).</summary>
    public async Task<double> DeliveryLogAsync(string query)
    {
        var start = Stopwatch.GetTimestamp();
        using var r = await http.GetAsync($"webhook-subscriptions/deliveries{query}");
        await EnsureAsync(r);
        var body = await r.Content.ReadAsByteArrayAsync();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.GetProperty("data").GetArrayLength() == 0)
            throw new InvalidOperationException($"The delivery log page {query} is empty.");
        return elapsed;
    }

    /// <summary>Record data of a fixed size: the send timestamp, a number and padding.</summary>
    public static string RecordData(long sentAt, int n) =>
        $"{{\"sentAt\":{sentAt,20},\"n\":{n,10},\"note\":\"{Padding}\"}}";

    static readonly string Padding = new('x', 160);

    /// <summary>The size and shape of what a receiver gets for one record.</summary>
    public static byte[] WireBody(string collection) => Encoding.UTF8.GetBytes(
        $"{{\"event\":\"record_created\",\"workspaceSlug\":\"{AppProcess.Workspace}\",\"recordSlug\":\"{collection}\"," +
        $"\"recordId\":\"{Guid.NewGuid()}\",\"data\":{RecordData(0, 0)},\"timestamp\":\"{DateTime.UtcNow:yyyy-MM-dd'T'HH:mm:ss'Z'}\"}}");

    static async Task EnsureAsync(HttpResponseMessage r)
    {
        if (!r.IsSuccessStatusCode)
            throw new HttpRequestException($"{r.RequestMessage?.Method} {r.RequestMessage?.RequestUri} answered {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}");
    }

    public void Dispose() => http.Dispose();
}
