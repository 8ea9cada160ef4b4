using Microsoft.AspNetCore.Http;

namespace Centrali.Console.Tests.Deliveries;

/// <summary>The app as its own process, killed mid-run (no clean stop) and started again on the same database.</summary>
public sealed class CrashFacts
{
    [Fact]
    public async Task KilledMidRun_EveryEventArrivesAfterRestart_DuplicatesShareTheEventId()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = async (_, http) => { await Task.Delay(150); await http.Response.WriteAsync("ok"); };
        var folder = Path.Combine(Path.GetTempPath(), "centrali-tests", "crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            // Few attempts in flight, so the kill lands while most deliveries are still to be sent.
            var settings = new Dictionary<string, string> { ["Webhooks:Timeout"] = "00:00:02", ["Webhooks:Concurrency"] = "2" };
            await using (var first = await AppProcess.StartSqliteAsync("first", folder, settings))
            {
                var api = first.Api();
                var sub = await api.PostJsonAsync("webhook-subscriptions", new { name = "crash", url = receiver.Url + "/hook", events = new[] { "record_created" } });
                Assert.Equal(HttpStatusCode.Created, sub.StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("collections", new { name = "Orders", slug = "orders" })).StatusCode);
                for (var i = 0; i < 40; i++)
                    Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("collections/orders/records", new { n = i })).StatusCode);
                await receiver.WaitForAsync(3);
                await first.KillAsync();
            }
            var beforeRestart = receiver.Requests.Count;
            Assert.True(beforeRestart < 40, "the kill should come before every delivery was sent");

            await using var second = await AppProcess.StartSqliteAsync("second", folder, settings);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Distinct(receiver) < 40 && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal(40, Distinct(receiver));
            foreach (var byRecord in receiver.Requests.GroupBy(r => (string?)JsonNode.Parse(r.Text)!["recordId"]))
                Assert.Single(byRecord.Select(r => r.Header("X-Centrali-Event-Id")).Distinct());
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    static int Distinct(Receiver r) => r.Requests.Select(x => x.Header("X-Centrali-Event-Id")).Distinct().Count();
}
