using System.Text;
using Centrali.Console.Collections;
using Centrali.Console.Data;
using Centrali.Console.Records;
using Centrali.Console.Webhooks;
using Centrali.Console.Webhooks.Subscriptions;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Centrali.Console.E2E;

[Collection(BrowserCollection.Name)]
public sealed class DeliveryFacts(ConsoleBrowser browser, ITestOutputHelper output)
{
    /// <summary>Notes, in the browser's own clock, each time a row's attempt count changes on screen.</summary>
    const string WatchAttempts = """
        () => {
          window.liveMarker = true;
          window.attemptChanges = [];
          const last = new Map();
          const scan = () => {
            const at = Date.now();
            for (const row of document.querySelectorAll('tr.delivery-row')) {
              const id = row.querySelector('[data-testid^="row-"]')?.getAttribute('data-testid')?.substring(4);
              const text = row.querySelector('[data-testid="attempts"]')?.textContent.trim();
              if (!id || !text || last.get(id) === text) continue;
              last.set(id, text);
              window.attemptChanges.push({ id, text, at });
            }
          };
          new MutationObserver(scan).observe(document.body, { subtree: true, childList: true, characterData: true });
          scan();
        }
        """;

    /// <summary>The row's attempt count and countdown read in one go, so the two belong to the same moment.</summary>
    const string ReadRow = """
        () => {
          const row = document.querySelector('tr.delivery-row');
          return [row.querySelector('[data-testid="attempts"]').textContent.trim(), row.querySelector('[data-testid="next-attempt"]').textContent.trim()];
        }
        """;

    int Max => browser.Server.Services.GetRequiredService<IOptions<WebhookOptions>>().Value.MaxAttempts;

    sealed class AttemptChange
    {
        public string Id { get; set; } = "";
        public string Text { get; set; } = "";
        public double At { get; set; }
    }

    [Fact]
    public async Task FailingDelivery_AttemptsRiseLive_CountdownTicks_AndReplaySucceedsOnceTheReceiverRecovers()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.StatusCode = 500;
        var collection = $"live-{Guid.NewGuid():N}"[..16];
        var (workspace, subscription) = await SubscribeAsync(receiver.Url + "/hook", collection);

        var page = await browser.NewPageAsync();
        await ConsoleBrowser.LoginAsync(page);
        await page.GotoAsync($"/deliveries?subscriptionId={subscription}");
        await ConsoleBrowser.WaitForInteractiveAsync(page);
        await Expect(page.GetByTestId("empty-state")).ToBeVisibleAsync();
        await page.EvaluateAsync(WatchAttempts);

        await CreateRecordAsync(workspace, collection);

        var row = page.Locator("tr.delivery-row");
        var attempts = row.GetByTestId("attempts");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(attempts).ToHaveTextAsync($"1 of {Max}");
        await Expect(row.GetByTestId("last-code")).ToHaveTextAsync("500");
        await page.ShotAsync("live-delivery", "1-first-attempt-failed");
        await Expect(attempts).ToHaveTextAsync($"2 of {Max}");

        // The countdown to the third attempt ticks on its own: its text changes while the attempt count stays.
        var next = row.GetByTestId("next-attempt");
        await Expect(next).ToHaveTextAsync(new Regex(@"^in \d+ s$"));
        var before = await page.EvaluateAsync<string[]>(ReadRow);
        await page.ShotAsync("live-delivery", "2-countdown");
        await Expect(next).Not.ToHaveTextAsync(before[1]);
        var after = await page.EvaluateAsync<string[]>(ReadRow);
        Assert.Equal(before[0], after[0]);
        Assert.NotEqual(before[1], after[1]);
        output.WriteLine($"Countdown: '{before[1]}' then '{after[1]}' at {before[0]} attempts.");

        await Expect(row.GetByTestId("delivery-status")).ToHaveTextAsync("failed", new() { Timeout = 30_000 });
        // Final: the attempts it used, no budget.
        await Expect(attempts).ToHaveTextAsync($"{Max}");
        Assert.True(await page.EvaluateAsync<bool>("() => window.liveMarker === true"), "the page was reloaded");
        await page.ShotAsync("live-delivery", "3-failed-after-all-attempts");
        await ReportLatencyAsync(page, receiver);

        // The receiver recovers; Replay from the detail view sends the event again and the new delivery succeeds.
        receiver.StatusCode = 200;
        var original = (await row.Locator("[data-testid^='row-']").GetAttributeAsync("data-testid"))!["row-".Length..];
        await row.GetByTestId("delivery-status").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"/deliveries/{original}$"));
        await Expect(page.GetByTestId("attempts-timeline")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("attempt-count")).ToHaveTextAsync($"{Max}");
        await page.ShotAsync("live-delivery", "4-detail-failed");

        await page.GetByTestId("replay").ClickAsync();
        var replayLink = page.GetByTestId("replay-link").Locator("a");
        await Expect(replayLink).ToBeVisibleAsync();
        await page.ShotAsync("live-delivery", "5-replayed");
        await replayLink.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/deliveries/[0-9a-f-]{36}$"));
        Assert.DoesNotContain(original, page.Url);
        await Expect(page.GetByTestId("delivery-status")).ToHaveTextAsync("succeeded");
        await Expect(page.GetByTestId("attempt-count")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("replayed-from").Locator("a")).ToHaveAttributeAsync("href", $"/deliveries/{original}");
        await page.ShotAsync("live-delivery", "6-replay-succeeded");
        Assert.Equal(Max + 1, receiver.Requests.Count);
    }

    /// <summary>Prints, for each attempt, how long after it was written the browser showed the new count (measured, not asserted).</summary>
    async Task ReportLatencyAsync(IPage page, Receiver receiver)
    {
        var changes = await page.EvaluateAsync<AttemptChange[]>("() => window.attemptChanges");
        var id = Guid.Parse(changes.First().Id);
        await using var scope = browser.Server.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var written = await db.Attempts.AsNoTracking().Where(a => a.DeliveryId == id).OrderBy(a => a.Number).ToListAsync();
        var received = receiver.Requests.Select(r => r.At).ToArray();
        var report = new StringBuilder("Attempt written → row changed in the browser (ms):\n");
        var latencies = new List<long>();
        foreach (var a in written)
        {
            var shown = changes.FirstOrDefault(c => c.Text == (a.Number == Max ? $"{Max}" : $"{a.Number} of {Max}"));
            if (shown is null) { report.AppendLine($"  attempt {a.Number}: not seen as its own change"); continue; }
            var end = Ms(a.StartedAt) + a.DurationMs;
            var latency = (long)shown.At - end;
            latencies.Add(latency);
            report.AppendLine($"  attempt {a.Number}: +{latency} ms after the attempt ended (StartedAt + {a.DurationMs} ms), " +
                $"+{(long)shown.At - Ms(received[a.Number - 1])} ms after the receiver got the request");
        }
        if (latencies.Count > 0) report.AppendLine($"  min {latencies.Min()} ms, max {latencies.Max()} ms, mean {latencies.Average():F0} ms");
        output.WriteLine(report.ToString());
        System.Console.WriteLine(report.ToString());
        Directory.CreateDirectory(Screenshots.Folder);
        await File.WriteAllTextAsync(Path.Combine(Screenshots.Folder, "live-delivery-latency.txt"), report.ToString());
    }

    static long Ms(DateTime utc) => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)).ToUnixTimeMilliseconds();

    async Task<(Workspace Workspace, Guid Subscription)> SubscribeAsync(string url, string collection)
    {
        await using var scope = browser.Server.Scope();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var created = await scope.ServiceProvider.GetRequiredService<SubscriptionService>().CreateAsync(workspace.Id, new SubscriptionInput
        {
            Name = $"failing receiver {collection}", Url = url, Events = ["record_created"], CollectionSlugs = [collection],
        });
        return (workspace, created.Id);
    }

    async Task CreateRecordAsync(Workspace workspace, string collection)
    {
        await using var scope = browser.Server.Scope();
        await scope.ServiceProvider.GetRequiredService<CollectionService>().CreateAsync(workspace.Id, new CollectionInput(collection, collection, null));
        await scope.ServiceProvider.GetRequiredService<RecordService>().CreateAsync(workspace.Id, workspace.Slug, collection,
            JsonSerializer.Serialize(new { total = 210, customer = "acme" }));
    }
}
