using System.Diagnostics;
using Centrali.Console.Bench;

// The product against the physical limit, side by side in one run. `--quick`: a small version for CI smoke.
var quick = args.Contains("--quick");
var output = Option("--out") ?? "bench-results.json";
var size = quick ? Sizes.Quick : Sizes.Full;
// Smaller or larger runs by hand, e.g. on a busy machine: --records 5000 --subscriptions 500 --recovery-rows 20000 --log-rows 200000.
size = size with
{
    SustainedRecords = Number("--records") ?? size.SustainedRecords,
    FanoutSubscriptions = Number("--subscriptions") ?? size.FanoutSubscriptions,
    RecoveryDeliveries = Number("--recovery-rows") ?? size.RecoveryDeliveries,
    LogDeliveries = Number("--log-rows") ?? size.LogDeliveries,
};

// --app DIR/Centrali.Console.dll: a published app instead of the build, e.g. the Dockerfile's ReadyToRun publish.
if (Option("--app") is { } published) AppProcess.AppDll = Path.GetFullPath(published);

var load = LoadAverage();
System.Console.WriteLine($"Centrali bench ({(quick ? "quick" : "full")}), app {AppProcess.AppDll} ({AppProcess.AppConfiguration}), " +
                         $"{Environment.ProcessorCount} cores, load average {load}");
if (AppProcess.AppConfiguration != "Release") System.Console.WriteLine("Note: not a Release build; figures are not comparable.");

// --postgres [--instances N]: scale-out, the sustained measurement on PostgreSQL (its own throwaway cluster) with N app instances.
var postgres = args.Contains("--postgres");
var instances = Number("--instances") ?? 1;

var results = new Results();
var root = Path.Combine(Path.GetTempPath(), "centrali-bench", Guid.NewGuid().ToString("N"));
var total = Stopwatch.StartNew();
// Counts per path only: the bench sends hundreds of thousands of requests.
await using (var receiver = await Receiver.StartAsync(keepRequests: false))
{
    var bench = new Bench(results, receiver, size, root);
    if (postgres) await bench.RunAsync("postgres", () => bench.PostgresSustainedAsync(instances, Number("--records") ?? 2_000));
    // Written after each part too, so a run stopped by hand keeps what it measured.
    if (!postgres && Runs("live")) await bench.RunAsync("live", bench.LiveAsync);
    if (!postgres && Named("sustained")) await bench.RunAsync("sustained", bench.SustainedOnlyAsync);
    results.Write(output, new { mode = "partial", sizes = size });
    if (!postgres && Runs("recovery")) await bench.RunAsync("recovery", bench.RecoveryAsync);
    results.Write(output, new { mode = "partial", sizes = size });
    if (!postgres && Runs("log")) await bench.RunAsync("log", bench.LogAsync);
    results.Write(output, new { mode = "partial", sizes = size });
    if (!postgres && Runs("filters")) await bench.RunAsync("filters", bench.FiltersAsync);
    results.Write(output, new { mode = "partial", sizes = size });
    if (!postgres && Runs("features")) await bench.RunAsync("features", bench.FeaturesAsync);
    // Several minutes long, so only in the full run or when asked for: --only retention [--retention-minutes N] [--retention-rate N].
    if (!postgres && (quick ? Named("retention") : Runs("retention")))
    {
        results.Write(output, new { mode = "partial", sizes = size });
        await bench.RunAsync("retention", () => bench.RetentionAsync(Number("--retention-minutes") ?? 5, Number("--retention-rate") ?? 100));
    }
}
try { Directory.Delete(root, recursive: true); } catch (IOException) { }

var context = new
{
    mode = quick ? "quick" : "full",
    at = DateTime.UtcNow,
    cores = Environment.ProcessorCount,
    loadAverageAtStart = load,
    loadAverageAtEnd = LoadAverage(),
    appBuild = AppProcess.AppConfiguration,
    app = AppProcess.AppDll,
    wallSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
    sizes = size,
};
System.Console.WriteLine();
results.Print(System.Console.Out);
System.Console.WriteLine($"Load average at start {context.loadAverageAtStart}, at end {context.loadAverageAtEnd}; wall time {context.wallSeconds} s.");
results.Write(output, context);
System.Console.WriteLine($"Wrote {Path.GetFullPath(output)}");
return results.Errors.Count == 0 ? 0 : 1;

// --only live,recovery,log,filters,features,retention: some parts only (live = scenarios 1 to 4 on one app).
bool Runs(string part) => Option("--only") is null || Named(part);
// Only when --only names it (parts the default run leaves out).
bool Named(string part) => Option("--only")?.Split(',').Contains(part) == true;
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int? Number(string name) => Option(name) is { } v ? int.Parse(v) : null;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
