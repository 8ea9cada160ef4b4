using System.Diagnostics;
using Centrali.Console.Bench;

// Issue 7: the product against the physical limit, side by side in one run. `--quick`: a small version for CI smoke.
var quick = args.Contains("--quick");
var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault() ?? "bench-results.json";
var size = quick ? Sizes.Quick : Sizes.Full;

var load = LoadAverage();
System.Console.WriteLine($"Centrali bench ({(quick ? "quick" : "full")}), app {AppProcess.AppDll} ({AppProcess.AppConfiguration}), " +
                         $"{Environment.ProcessorCount} cores, load average {load}");
if (AppProcess.AppConfiguration != "Release") System.Console.WriteLine("Note: not a Release build; figures are not comparable.");

var results = new Results();
var root = Path.Combine(Path.GetTempPath(), "centrali-bench", Guid.NewGuid().ToString("N"));
var total = Stopwatch.StartNew();
await using (var receiver = await Receiver.StartAsync())
{
    var bench = new Bench(results, receiver, size, root);
    await bench.RunAsync("live", bench.LiveAsync);
    await bench.RunAsync("recovery", bench.RecoveryAsync);
    await bench.RunAsync("log", bench.LogAsync);
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
    wallSeconds = Math.Round(total.Elapsed.TotalSeconds, 1),
    sizes = size,
};
System.Console.WriteLine();
results.Print(System.Console.Out);
System.Console.WriteLine($"Load average at start {context.loadAverageAtStart}, at end {context.loadAverageAtEnd}; wall time {context.wallSeconds} s.");
results.Write(output, context);
System.Console.WriteLine($"Wrote {Path.GetFullPath(output)}");
return results.Errors.Count == 0 ? 0 : 1;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
