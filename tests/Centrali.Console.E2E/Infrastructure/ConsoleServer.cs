using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Centrali.Console.E2E.Infrastructure;

/// <summary>The real app on Kestrel at 127.0.0.1 (random port), on a SQLite file of its own, for a real browser to drive.</summary>
public sealed class ConsoleServer : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "Passw0rd!";
    public const string Token = "cct_e2e_default_token_0123456789";

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "centrali-e2e", Guid.NewGuid().ToString("N"));

    /// <summary>The listening address, e.g. http://127.0.0.1:41234/ (no trailing path).</summary>
    public Uri BaseAddress { get; private set; } = default!;

    public ConsoleServer()
    {
        Directory.CreateDirectory(Folder);
        UseKestrel(0);
        StartServer();
        BaseAddress = ClientOptions.BaseAddress;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Only Development reads the build's static web assets manifest by itself; without it _framework/ and _content/ answer 500.
        builder.UseStaticWebAssets();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Centrali"] = $"Data Source={Path.Combine(Folder, "centrali.db")}",
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Bootstrap:ApiToken"] = Token,
            ["Webhooks:AllowPrivateNetworks"] = "true",
            // Five attempts, 3 s apart: long enough to watch a countdown tick, short enough to fail within seconds.
            ["Webhooks:RetryDelays:0"] = "00:00:03",
            ["Webhooks:RetryDelays:1"] = "00:00:03",
            ["Webhooks:RetryDelays:2"] = "00:00:03",
            ["Webhooks:RetryDelays:3"] = "00:00:03",
            ["Webhooks:CircuitBreaker:FailureThreshold"] = "50",
            ["Hangfire:SchedulePollingInterval"] = "00:00:00.200",
        };
        foreach (var (k, v) in settings) builder.UseSetting(k, v);
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
    }

    public AsyncServiceScope Scope() => Services.CreateAsyncScope();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
