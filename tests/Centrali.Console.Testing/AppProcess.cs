using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;

namespace Centrali.Console.Testing;

/// <summary>
/// The real app's build as a process of its own, in Production, on 127.0.0.1: on a SQLite folder of its own (restart and
/// crash tests, the bench, whose RSS and CPU figures must be the app's alone) or on a PostgreSQL database that several of
/// them share, as behind a load balancer. It can be stopped cleanly (SIGTERM) or killed outright (SIGKILL).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    public const string Token = "cct_child_default_token_0123456789";
    public const string Workspace = "default";

    /// <summary>The app the children run: the build next to the tests, or (the bench's <c>--app</c>) a published one.</summary>
    public static string AppDll { get; set; } = Metadata("AppDll");
    /// <summary>The configuration the app was built in (the bench's figures compare only in Release).</summary>
    public static string AppConfiguration => Metadata("Configuration");

    static string Metadata(string key) => typeof(AppProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == key).Value!;

    readonly Process process;
    readonly bool stopOnDispose;
    public string Name { get; }
    public string BaseUrl { get; }
    /// <summary>The SQLite folder (the database and the Hangfire file), or null on PostgreSQL.</summary>
    public string? Folder { get; }
    public string DatabasePath => Path.Combine(Folder ?? throw new InvalidOperationException($"{Name} runs on PostgreSQL."), "centrali.db");
    /// <summary>Every line the process printed, with the Stopwatch timestamp it arrived at.</summary>
    public ConcurrentQueue<(long At, string Line)> Output { get; }
    /// <summary>Stopwatch timestamp taken just before the process was started.</summary>
    public long StartedAt { get; }
    /// <summary>Seconds from process start until /healthz answered.</summary>
    public double ReadySeconds { get; private set; }
    public int Pid => process.Id;
    public bool HasExited => process.HasExited;

    AppProcess(Process process, string name, string baseUrl, string? folder, long startedAt, ConcurrentQueue<(long, string)> output, bool stopOnDispose)
    {
        this.process = process;
        this.stopOnDispose = stopOnDispose;
        Name = name;
        BaseUrl = baseUrl;
        Folder = folder;
        StartedAt = startedAt;
        Output = output;
    }

    /// <summary>An instance on the SQLite file (and Hangfire file) in <paramref name="folder"/>: start another there to restart.</summary>
    /// <param name="stopOnDispose">Dispose stops it cleanly, as a container stop does; by default it kills it (fast, as a crash).</param>
    public static Task<AppProcess> StartSqliteAsync(string name, string folder, IDictionary<string, string>? settings = null, bool stopOnDispose = false)
    {
        Directory.CreateDirectory(folder);
        return StartAsync(name, folder, new Dictionary<string, string> { ["ConnectionStrings:Centrali"] = $"Data Source={Path.Combine(folder, "centrali.db")}" }, settings, stopOnDispose);
    }

    /// <summary>An instance on a PostgreSQL database that others may share.</summary>
    public static Task<AppProcess> StartPostgresAsync(string name, string connectionString, IDictionary<string, string>? settings = null, bool stopOnDispose = false) =>
        StartAsync(name, null, new Dictionary<string, string> { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Centrali"] = connectionString }, settings, stopOnDispose);

    /// <summary>Starts instances on one database together (they race through start-up as after a deploy); if one fails, none is left running.</summary>
    public static async Task<AppProcess[]> StartTogetherAsync(string connectionString, IDictionary<string, string>? settings, params string[] names)
    {
        var starts = names.Select(n => StartPostgresAsync(n, connectionString, settings)).ToList();
        try { return await Task.WhenAll(starts); }
        catch
        {
            foreach (var s in starts.Where(s => s.IsCompletedSuccessfully)) await s.Result.DisposeAsync();
            throw;
        }
    }

    static async Task<AppProcess> StartAsync(string name, string? folder, Dictionary<string, string> database, IDictionary<string, string>? settings, bool stopOnDispose)
    {
        // Another process may take the chosen port before the child binds it: then start again on another one.
        for (var attempt = 1; ; attempt++)
        {
            try { return await StartOnAPortAsync(name, folder, database, settings, stopOnDispose); }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) { }
        }
    }

    static async Task<AppProcess> StartOnAPortAsync(string name, string? folder, Dictionary<string, string> database, IDictionary<string, string>? settings, bool stopOnDispose)
    {
        if (!File.Exists(AppDll)) throw new FileNotFoundException($"Build the app first ({AppDll} is missing).");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { AppDll },
            WorkingDirectory = Path.GetDirectoryName(AppDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = new Dictionary<string, string>(database)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["Bootstrap:AdminEmail"] = ConsoleApp.AdminEmail,
            ["Bootstrap:AdminPassword"] = ConsoleApp.AdminPassword,
            ["Bootstrap:ApiToken"] = Token,
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:Console:FormatterOptions:SingleLine"] = "true",
            // Retry wake-ups are scheduled jobs: polled every 200 ms, a test that waits on a retry stays short.
            ["Hangfire:SchedulePollingInterval"] = "00:00:00.200",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;
        foreach (var (k, v) in env) start.Environment[k.Replace(":", "__")] = v;

        var output = new ConcurrentQueue<(long, string)>();
        var startedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        // A runner that exits first takes the child along.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) output.Enqueue((Stopwatch.GetTimestamp(), line)); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) output.Enqueue((Stopwatch.GetTimestamp(), line)); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var app = new AppProcess(process, name, $"http://127.0.0.1:{port}", folder, startedAt, output, stopOnDispose);
        try { await app.WaitReadyAsync(TimeSpan.FromSeconds(90)); }
        catch { await app.KillAsync(); process.Dispose(); throw; }
        return app;
    }

    /// <summary>What the process printed, one line each: for failure messages.</summary>
    public string Printed => string.Join('\n', Output.Select(o => o.Line));

    async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Name} exited with {process.ExitCode}:\n{Printed}");
            try
            {
                using var r = await http.GetAsync($"{BaseUrl}/healthz");
                if (r.IsSuccessStatusCode)
                {
                    ReadySeconds = Stopwatch.GetElapsedTime(StartedAt).TotalSeconds;
                    return;
                }
            }
            // A busy instance (start-up sweep on a full queue) may answer late: ask again.
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(20);
        }
        throw new TimeoutException($"{Name} did not answer /healthz within {timeout}:\n{Printed}");
    }

    /// <summary>
    /// A port free right now, below Linux's ephemeral range (32768 and up): a port the system handed out for listening
    /// could be taken by one of the thousands of outgoing connections a delivery test makes before the child binds it.
    /// </summary>
    public static int FreePort()
    {
        for (var i = 0; i < 100; i++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException) { }
        }
        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }

    /// <summary>A client of the workspace API (bearer token), as a script behind the load balancer would be.</summary>
    public HttpClient Api() => new()
    {
        BaseAddress = new Uri($"{BaseUrl}/data/workspace/{Workspace}/api/v1/"),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", Token) },
    };

    /// <summary>The local TCP ports of this process's open sockets (Linux /proc): which instance a receiver's connection came from.</summary>
    public HashSet<int> OwnedPorts()
    {
        var inodes = new HashSet<string>();
        foreach (var fd in Directory.GetFiles($"/proc/{process.Id}/fd"))
            if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:["))
                inodes.Add(target["socket:[".Length..^1]);
        var ports = new HashSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            if (File.Exists(table))
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (columns.Length > 9 && inodes.Contains(columns[9]))
                        ports.Add(Convert.ToInt32(columns[1].Split(':')[1], 16));
                }
        return ports;
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

    /// <summary>SIGKILL: no shutdown, nothing flushed, leases left behind — a crashed container.</summary>
    public async Task KillAsync()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the host's clean shutdown, as `docker stop` does; a process that has not exited within 30 s is killed and it throws.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"{Name} did not stop within 30 s of SIGTERM:\n{Printed}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (stopOnDispose) await StopAsync();
        else await KillAsync();
        process.Dispose();
    }
}
