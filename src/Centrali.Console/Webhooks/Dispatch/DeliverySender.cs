using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Webhooks.Subscriptions;

namespace Centrali.Console.Webhooks.Dispatch;

public sealed record SendRequest(Guid DeliveryId, Guid EventId, string EventType, string Url, byte[] Body,
    SignatureScheme Scheme, string Secret, string? PreviousSecret, TimeSpan? Timeout = null,
    IReadOnlyList<KeyValuePair<string, string>>? CustomHeaders = null, IReadOnlyList<KeyValuePair<string, string>>? SecretHeaders = null);

public sealed record SendResult(DateTime StartedAt, int DurationMs, int? StatusCode, string? Error, string? ResponseBody,
    string? ResponseHeaders, string RequestHeaders, TimeSpan? RetryAfter)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>One signed POST of a delivery's stored bytes: no redirects, a hard timeout, the private-network guard at connect time.</summary>
public sealed class DeliverySender(IHttpClientFactory clients, IOptions<WebhookOptions> options, TimeProvider time)
{
    public const string ClientName = "webhooks";
    public const string UserAgent = "Centrali-Webhooks/1.0";

    public static void AddClient(IServiceCollection services) =>
        services.AddHttpClient(ClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var o = sp.GetRequiredService<IOptions<WebhookOptions>>().Value;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    MaxConnectionsPerServer = 256,
                    ConnectTimeout = o.Timeout,
                    // DNS can change after subscribe: check the address actually connected to.
                    ConnectCallback = o.AllowPrivateNetworks == true ? null : GuardedConnectAsync,
                    // HTTP(S)_PROXY/ALL_PROXY would move the connect (and so the address check) to the proxy: only an explicit Webhooks:Proxy is used.
                    UseProxy = o.Proxy is not null,
                    Proxy = o.Proxy is { } proxy ? new WebProxy(proxy) : null,
                    // Receivers get exactly the documented headers: no traceparent from our own tracing.
                    ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
                };
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

    static async ValueTask<Stream> GuardedConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, ct);
        var allowed = addresses.Where(a => !UrlGuard.IsForbidden(a)).ToArray();
        if (allowed.Length == 0)
            throw new HttpRequestException($"Refused: {context.DnsEndPoint.Host} resolves to a private, loopback or link-local address.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task<SendResult> SendAsync(SendRequest r, CancellationToken ct = default)
    {
        var o = options.Value;
        var started = time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, r.Url) { Content = new ByteArrayContent(r.Body) };
        var headers = Headers(r, started.ToUnixTimeSeconds());
        foreach (var (name, value) in headers.Concat(r.SecretHeaders ?? []))
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        // The log keeps what was sent, the secret headers' values masked.
        var requestHeaders = JsonSerializer.Serialize(headers.Concat((r.SecretHeaders ?? []).Select(h => KeyValuePair.Create(h.Key, CustomHeaders.Mask(h.Value))))
            .ToDictionary(h => h.Key, h => h.Value));

        var limit = r.Timeout ?? o.Timeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await ReadCappedAsync(response, o.MaxResponseBodyBytes, timeout.Token);
            var status = (int)response.StatusCode;
            string? error = status is >= 200 and < 300 ? null
                : status is >= 300 and < 400 ? $"HTTP {status}: redirect to {response.Headers.Location} not followed"
                : $"HTTP {status} {response.ReasonPhrase}";
            return new SendResult(started.UtcDateTime, Elapsed(stopwatch), status, error, body,
                JsonSerializer.Serialize(ResponseHeaders(response)), requestHeaders, RetryAfter(response, time.GetUtcNow()));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed($"Timed out after {limit.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            return Failed(e.InnerException is SocketException s ? $"{e.Message} ({s.SocketErrorCode})" : e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever the receiver does, the attempt is recorded as failed rather than left leased and silent.
            return Failed($"{e.GetType().Name}: {e.Message}");
        }

        SendResult Failed(string error) => new(started.UtcDateTime, Elapsed(stopwatch), null, error, null, null, requestHeaders, null);
    }

    /// <summary>
    /// The documented headers a receiver gets, then the subscription's custom ones (the secret ones are added by the caller);
    /// values are signatures, never the secret or private key.
    /// </summary>
    public static List<KeyValuePair<string, string>> Headers(SendRequest r, long timestamp)
    {
        var messageId = r.EventId.ToString();
        string Sign(string key) => r.Scheme.Ed25519 ? Signature.StandardWebhooksEd25519(key, messageId, timestamp, r.Body)
            : Signature.StandardWebhooks(key, messageId, timestamp, r.Body);
        var standard = Sign(r.Secret);
        if (r.PreviousSecret is { } previous) standard += " " + Sign(previous);
        List<KeyValuePair<string, string>> headers = [new("Content-Type", "application/json"), new("User-Agent", UserAgent)];
        // HMAC needs a shared secret: an ed25519 subscription has none, so it gets no configured signature header.
        if (!r.Scheme.Ed25519) headers.Add(new(r.Scheme.Header, Signature.Sign(r.Scheme, r.Secret, r.Body)));
        headers.AddRange(
        [
            new("X-Centrali-Event", r.EventType),
            new("X-Centrali-Delivery-Id", r.DeliveryId.ToString()),
            new("X-Centrali-Event-Id", messageId),
            new("webhook-id", messageId),
            new("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture)),
            new("webhook-signature", standard),
        ]);
        if (r.CustomHeaders is { } custom) headers.AddRange(custom);
        return headers;
    }

    /// <summary>Keeps at most <paramref name="max"/> bytes of the answer; a 10 MB response is not read into memory.</summary>
    static async Task<string> ReadCappedAsync(HttpResponseMessage response, int max, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[max];
        var read = 0;
        while (read < max)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read, max - read), ct);
            if (n == 0) break;
            read += n;
        }
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    static Dictionary<string, string> ResponseHeaders(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .GroupBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => string.Join(", ", g.SelectMany(h => h.Value)));

    static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - now,
        _ => null,
    };

    static int Elapsed(Stopwatch s) => (int)s.ElapsedMilliseconds;
}
