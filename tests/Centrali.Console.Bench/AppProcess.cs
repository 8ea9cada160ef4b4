using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Centrali.Console.Tests.Infrastructure;

namespace Centrali.Console.Bench;

/// <summary>The real app, Release build, as a child process on its own SQLite file (or a PostgreSQL database): its RSS and CPU are its own.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    public const string Token = "cct_bench_default_token_0123456789";
    public const string Workspace = "default";

    readonly Process process;
    public string BaseUrl { get; }
    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "centrali.db");
    /// <summary>Stopwatch timestamp taken just before the process was started.</summary>
    public long StartedAt { get; }
    public ConcurrentQueue<(long At, string Line)> Output { get; }
    public int Pid => process.Id;

    AppProcess(Process process, string baseUrl, string folder, long startedAt, ConcurrentQueue<(long At, string Line)> output)
    {
        this.process = process;
        Output = output;
        BaseUrl = baseUrl;
        Folder = folder;
        StartedAt = startedAt;
    }

    public static string AppDll => Metadata("AppDll");
    public static string AppConfiguration => Metadata("Configuration");

    static string Metadata(string key) => typeof(AppProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;

    /// <param name="settings">Overrides, e.g. Database:Provider=Postgres and its connection string (scale-out runs).</param>
    public static async Task<AppProcess> StartAsync(string folder, IDictionary<string, string>? settings = null)
    {
        Directory.CreateDirectory(folder);
        var port = ChildApp.FreePort();
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings:Centrali"] = $"Data Source={Path.Combine(folder, "centrali.db")}",
            ["Bootstrap:AdminEmail"] = "admin@example.com",
            ["Bootstrap:AdminPassword"] = "Passw0rd!",
            ["Bootstrap:ApiToken"] = Token,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;

        var output = new ConcurrentQueue<(long At, string Line)>();
        var startedAt = Stopwatch.GetTimestamp();
        var process = ChildApp.Start(AppDll, port, env, line => output.Enqueue((Stopwatch.GetTimestamp(), line)));
        var app = new AppProcess(process, $"http://127.0.0.1:{port}", folder, startedAt, output);
        await app.WaitReadyAsync(TimeSpan.FromSeconds(90));
        return app;
    }

    /// <summary>Seconds from process start until /healthz answers.</summary>
    public double ReadySeconds { get; private set; }

    async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The app exited with {process.ExitCode}:\n{string.Join('\n', Output.Select(o => o.Line))}");
            try
            {
                using var r = await http.GetAsync($"{BaseUrl}/healthz");
                if (r.IsSuccessStatusCode)
                {
                    ReadySeconds = Stopwatch.GetElapsedTime(StartedAt).TotalSeconds;
                    return;
                }
            }
            catch (HttpRequestException) { }
            await Task.Delay(20);
        }
        throw new TimeoutException($"The app did not answer /healthz within {timeout}.");
    }

    /// <summary>The process's peak resident set (VmHWM), in MB.</summary>
    public double PeakRssMb() => StatusField("VmHWM") / 1024.0;

    public double RssMb() => StatusField("VmRSS") / 1024.0;

    long StatusField(string name)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
            if (line.StartsWith(name + ":"))
                return long.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0]);
        return 0;
    }

    public TimeSpan CpuTime()
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    public async Task StopAsync()
    {
        if (process.HasExited) return;
        // SIGTERM: the host shuts down as in a container stop; SIGKILL only if it hangs.
        _ = Kill(process.Id, 15);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(); }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int Kill(int pid, int signal);
}
