using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Reflection;

namespace Centrali.Console.Tests.Infrastructure;

/// <summary>
/// One instance of the real app as a process of its own: on a PostgreSQL database (scale-out tests), where several of
/// them share one database as they would behind a load balancer, or on a SQLite folder of its own (restart and crash
/// tests). It can be stopped cleanly or killed outright.
/// </summary>
public sealed class AppInstance : IAsyncDisposable
{
    public const string Token = "cct_scaleout_default_token_0123456789";

    static string AppDll => typeof(AppInstance).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "AppDll").Value!;

    readonly Process process;
    public string Name { get; }
    public string BaseUrl { get; }
    public ConcurrentQueue<string> Output { get; }

    AppInstance(Process process, string name, string baseUrl, ConcurrentQueue<string> output)
    {
        this.process = process;
        Output = output;
        Name = name;
        BaseUrl = baseUrl;
    }

    public static Task<AppInstance> StartAsync(string name, string connectionString, IDictionary<string, string>? settings = null) =>
        StartAsync(name, new Dictionary<string, string> { ["Database:Provider"] = "Postgres", ["ConnectionStrings:Centrali"] = connectionString }, settings);

    /// <summary>An instance on the SQLite file (and Hangfire file) in <paramref name="folder"/>: start it again there to restart.</summary>
    public static Task<AppInstance> StartSqliteAsync(string name, string folder, IDictionary<string, string>? settings = null) =>
        StartAsync(name, new Dictionary<string, string> { ["ConnectionStrings:Centrali"] = $"Data Source={Path.Combine(folder, "centrali.db")}" }, settings);

    static async Task<AppInstance> StartAsync(string name, Dictionary<string, string> database, IDictionary<string, string>? settings)
    {
        // Another process may take the chosen port before the child binds it: then start again on another one.
        for (var attempt = 1; ; attempt++)
        {
            try { return await StartOnAPortAsync(name, database, settings); }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) { }
        }
    }

    static async Task<AppInstance> StartOnAPortAsync(string name, Dictionary<string, string> database, IDictionary<string, string>? settings)
    {
        var port = ChildApp.FreePort();
        var env = new Dictionary<string, string>(database)
        {
            ["Bootstrap:AdminEmail"] = ConsoleApp.AdminEmail,
            ["Bootstrap:AdminPassword"] = ConsoleApp.AdminPassword,
            ["Bootstrap:ApiToken"] = Token,
            ["Hangfire:SchedulePollingInterval"] = "00:00:00.200",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;

        var output = new ConcurrentQueue<string>();
        var process = ChildApp.Start(AppDll, port, env, output.Enqueue);
        var instance = new AppInstance(process, name, $"http://127.0.0.1:{port}", output);
        try { await instance.WaitReadyAsync(TimeSpan.FromSeconds(60)); }
        catch { await instance.DisposeAsync(); throw; }
        return instance;
    }

    /// <summary>Starts instances together (they race through start-up as after a deploy); if one fails, none is left running.</summary>
    public static async Task<AppInstance[]> StartTogetherAsync(string connectionString, IDictionary<string, string>? settings, params string[] names)
    {
        var starts = names.Select(n => StartAsync(n, connectionString, settings)).ToList();
        try { return await Task.WhenAll(starts); }
        catch
        {
            foreach (var s in starts.Where(s => s.IsCompletedSuccessfully)) await s.Result.DisposeAsync();
            throw;
        }
    }

    async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Name} exited with {process.ExitCode}:\n{string.Join('\n', Output)}");
            try
            {
                using var r = await http.GetAsync($"{BaseUrl}/healthz");
                if (r.IsSuccessStatusCode) return;
            }
            // A busy instance (start-up sweep on a full queue) may answer late: ask again.
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{Name} did not answer /healthz within {timeout}:\n{string.Join('\n', Output)}");
    }

    /// <summary>A client of the workspace API (bearer token), as a script behind the load balancer would be.</summary>
    public HttpClient Api() => new()
    {
        BaseAddress = new Uri($"{BaseUrl}/data/workspace/default/api/v1/"),
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

    /// <summary>SIGKILL: no shutdown, nothing flushed, leases left behind — a crashed container.</summary>
    public async Task KillAsync()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the host's clean shutdown, as `docker stop` does.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
    }

    public bool HasExited => process.HasExited;

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }
}
