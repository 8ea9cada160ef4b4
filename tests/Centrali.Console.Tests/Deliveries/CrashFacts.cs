using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Centrali.Console.Tests.Infrastructure;

namespace Centrali.Console.Tests.Deliveries;

/// <summary>The app as its own process, killed mid-run (no clean stop) and started again on the same database.</summary>
public sealed class CrashFacts
{
    const string Token = "cct_crash_test_token_0123456789";

    [Fact]
    public async Task KilledMidRun_EveryEventArrivesAfterRestart_DuplicatesShareTheEventId()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Respond = async (_, http) => { await Task.Delay(150); await http.Response.WriteAsync("ok"); };
        var folder = Path.Combine(Path.GetTempPath(), "centrali-tests", "crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var port = ChildApp.FreePort();
            var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/data/workspace/default/api/v1/") };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

            using (var first = await StartAppAsync(folder, port))
            {
                var sub = await api.PostJsonAsync("webhook-subscriptions", new { name = "crash", url = receiver.Url + "/hook", events = new[] { "record_created" } });
                Assert.Equal(HttpStatusCode.Created, sub.StatusCode);
                Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("collections", new { name = "Orders", slug = "orders" })).StatusCode);
                for (var i = 0; i < 40; i++)
                    Assert.Equal(HttpStatusCode.Created, (await api.PostJsonAsync("collections/orders/records", new { n = i })).StatusCode);
                await receiver.WaitForAsync(3);
                first.Kill(entireProcessTree: true);
                await first.WaitForExitAsync();
            }
            var beforeRestart = receiver.Requests.Count;
            Assert.True(beforeRestart < 40, "the kill should come before every delivery was sent");

            using var second = await StartAppAsync(folder, port);
            try
            {
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (Distinct(receiver) < 40 && DateTime.UtcNow < deadline) await Task.Delay(100);
                Assert.Equal(40, Distinct(receiver));
                foreach (var byRecord in receiver.Requests.GroupBy(r => (string?)JsonNode.Parse(r.Text)!["recordId"]))
                    Assert.Single(byRecord.Select(r => r.Header("X-Centrali-Event-Id")).Distinct());
            }
            finally
            {
                second.Kill(entireProcessTree: true);
                await second.WaitForExitAsync();
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    static int Distinct(Receiver r) => r.Requests.Select(x => x.Header("X-Centrali-Event-Id")).Distinct().Count();

    static async Task<Process> StartAppAsync(string folder, int port)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Centrali.Console.dll");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__Centrali"] = $"Data Source={Path.Combine(folder, "centrali.db")}";
        start.Environment["Bootstrap__AdminEmail"] = "admin@example.com";
        start.Environment["Bootstrap__AdminPassword"] = "Passw0rd!";
        start.Environment["Bootstrap__ApiToken"] = Token;
        start.Environment["Webhooks__AllowPrivateNetworks"] = "true";
        start.Environment["Webhooks__Timeout"] = "00:00:02";
        // Few attempts in flight, so the kill lands while most deliveries are still to be sent.
        start.Environment["Webhooks__Concurrency"] = "2";
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/healthz")).IsSuccessStatusCode) return process;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        process.Kill(entireProcessTree: true);
        throw new TimeoutException("The app did not answer /healthz within 30 s.");
    }
}
