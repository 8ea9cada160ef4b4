using Centrali.Console.Tests.Records;

namespace Centrali.Console.Tests.Operations;

public sealed class TracingFacts
{
    [Fact]
    public async Task Otlp_ExportsTheWriteAndAnAttemptLinkedToIt()
    {
        // A collector stub: OTLP over HTTP posts protobuf batches to /v1/traces and /v1/metrics.
        await using var collector = await Receiver.StartAsync();
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        });
        using var api = app.Api();
        await api.CreateCollectionAsync("orders");
        await app.SubscribeAsync(receiver.Url + "/hook");
        await api.CreateRecordAsync("orders", """{"total":5}""");
        await receiver.WaitForAsync(1);

        var e = (await app.EventsAsync()).Single();
        Assert.NotNull(e.TraceParent);
        var traceId = Convert.FromHexString(e.TraceParent!.Split('-')[1]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        byte[] traces = [];
        // The write's spans carry its trace id; the attempt's span (a trace of its own) carries it once more, in its link (its own spans have a trace id of their own).
        while (DateTime.UtcNow < deadline && !(Contains(traces, "webhook.attempt"u8) && Count(traces, traceId) >= 2))
        {
            await Task.Delay(100);
            traces = collector.Requests.Where(r => r.Path == "/v1/traces").SelectMany(r => r.Body).ToArray();
        }
        Assert.Contains(collector.Requests, r => r.Path == "/v1/traces" && r.Header("content-type") == "application/x-protobuf");
        Assert.True(Contains(traces, "webhook.attempt"u8), "no attempt span was exported");
        Assert.True(Contains(traces, "POST /data/workspace/{workspace}/api/v1/collections/{slug}/records"u8), "no span of the write was exported");
        Assert.True(Count(traces, traceId) >= 2, "the attempt does not link to the write's trace");
        // The receiver gets the documented headers, not our trace context.
        Assert.Equal("", receiver.Requests.Single().Header("traceparent"));
    }

    static bool Contains(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    static int Count(byte[] haystack, byte[] needle)
    {
        var n = 0;
        var span = haystack.AsSpan();
        for (var i = span.IndexOf(needle); i >= 0; i = span.IndexOf(needle))
        {
            n++;
            span = span[(i + needle.Length)..];
        }
        return n;
    }
}
