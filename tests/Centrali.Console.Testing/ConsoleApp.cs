using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Centrali.Console.Testing;

/// <summary>
/// The real app on a real SQLite file of its own, with a bootstrap admin and token; or, inside a Postgres test
/// (<see cref="PostgresCluster.Current"/>), on a PostgreSQL database of its own named after its folder.
/// </summary>
public sealed class ConsoleApp : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "Passw0rd!";
    public const string Token = "cct_test_default_token_0123456789";

    readonly Dictionary<string, string?> settings;
    public string Folder { get; }
    public string DatabasePath => Path.Combine(Folder, "centrali.db");
    public ConcurrentQueue<string> Logs { get; } = new();
    /// <summary>Leave the database behind at dispose, for a test that restarts on it.</summary>
    public bool KeepFolder { get; set; }

    readonly Action<IServiceCollection>? services;

    /// <param name="services">Replacements after the app's own registrations, e.g. a FakeTimeProvider for TimeProvider.</param>
    public ConsoleApp(IDictionary<string, string?>? settings = null, string? folder = null, Action<IServiceCollection>? services = null)
        : this(settings, folder, services, fromTemplate: true)
    {
    }

    ConsoleApp(IDictionary<string, string?>? settings, string? folder, Action<IServiceCollection>? services, bool fromTemplate)
    {
        this.services = services;
        Folder = folder ?? Path.Combine(Path.GetTempPath(), "centrali-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        this.settings = new Dictionary<string, string?>(RetryEvery("00:00:01"))
        {
            ["ConnectionStrings:Centrali"] = $"Data Source={DatabasePath}",
            ["Bootstrap:AdminEmail"] = AdminEmail,
            ["Bootstrap:AdminPassword"] = AdminPassword,
            ["Bootstrap:ApiToken"] = Token,
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Webhooks:Timeout"] = "00:00:05",
            ["Hangfire:SchedulePollingInterval"] = "00:00:00.200",
        };
        if (PostgresCluster.Current.Value is { } postgres)
        {
            Postgres = postgres;
            // The same folder (a restart on the same data) means the same database.
            DatabaseName = "t_" + Path.GetFileName(Folder).ToLowerInvariant();
            this.settings["Database:Provider"] = "Postgres";
            this.settings["ConnectionStrings:Centrali"] = postgres.CreateDatabaseAsync(DatabaseName).GetAwaiter().GetResult();
        }
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) this.settings[k] = v;
        if (fromTemplate && folder is null && services is null && Postgres is null && !(settings?.Keys.Any(FirstStartSetting) ?? false))
            File.Copy(Template.Value, DatabasePath);
    }

    /// <summary>
    /// The app on Kestrel at 127.0.0.1 (a port of its own), started, with the build's static web assets, for a real browser
    /// to drive. It makes its own database: for the one app of a run, a copy of the template would save nothing.
    /// </summary>
    public static ConsoleApp Served(IDictionary<string, string?>? settings = null)
    {
        var app = new ConsoleApp(settings, null, null, fromTemplate: false) { served = true };
        app.UseKestrel(0);
        app.StartServer();
        app.BaseAddress = app.ClientOptions.BaseAddress;
        return app;
    }

    bool served;

    /// <summary>Where a <see cref="Served"/> app listens, e.g. http://127.0.0.1:41234/.</summary>
    public Uri BaseAddress { get; private set; } = new("http://localhost/");

    /// <summary>The four retry delays (five attempts in all) set to one <paramref name="delay"/>, as settings to add to.</summary>
    public static Dictionary<string, string?> RetryEvery(string delay) =>
        Enumerable.Range(0, 4).ToDictionary(i => $"Webhooks:RetryDelays:{i}", _ => (string?)delay);

    // What a first start depends on: an app with one of these set (or its own clock) makes its database itself.
    static bool FirstStartSetting(string key) =>
        key.StartsWith("Bootstrap:", StringComparison.Ordinal) || key.StartsWith("ConnectionStrings:", StringComparison.Ordinal) || key.StartsWith("Database:", StringComparison.Ordinal);

    /// <summary>
    /// A database as the first start leaves it (migrated, bootstrap admin, workspace and token), made once per test run:
    /// most tests begin from a copy instead of paying for the migrations and the admin's password hash each time.
    /// </summary>
    static readonly Lazy<string> Template = new(() => Task.Run(async () =>
    {
        // The provider named (as its default): a setting of the first start, so this app makes its database itself.
        var app = new ConsoleApp(new Dictionary<string, string?> { ["Database:Provider"] = "Sqlite" }) { KeepFolder = true };
        _ = app.Server;
        await app.DisposeAsync();
        if (File.Exists(app.DatabasePath + "-wal") && new FileInfo(app.DatabasePath + "-wal").Length > 0)
            throw new InvalidOperationException("The template database's WAL was not checkpointed when its app stopped.");
        var path = Path.Combine(Path.GetTempPath(), "centrali-tests", $"template-{Environment.ProcessId}.db");
        File.Copy(app.DatabasePath, path, overwrite: true);
        Directory.Delete(app.Folder, recursive: true);
        return path;
    }).GetAwaiter().GetResult());

    /// <summary>Set when the app runs on PostgreSQL.</summary>
    public PostgresCluster? Postgres { get; }
    public string? DatabaseName { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Only Development reads the build's static web assets manifest by itself; without it _framework/ and _content/ answer 500.
        if (served) builder.UseStaticWebAssets();
        foreach (var (k, v) in settings) builder.UseSetting(k, v);
        builder.ConfigureLogging(l => l.AddProvider(new CapturingLoggerProvider(Logs)));
        if (services is not null) builder.ConfigureServices(services);
        builder.ConfigureServices(s => registrations = s);
    }

    IServiceCollection? registrations;

    /// <summary>What the app registered (with the replacements), for a context that resolves the app's services, such as bUnit's.</summary>
    public IEnumerable<ServiceDescriptor> Registrations
    {
        get
        {
            _ = Services; // started, so every registration is made
            return registrations!;
        }
    }

    /// <summary>An HTTP client carrying a bearer token (the bootstrap one by default).</summary>
    public HttpClient Api(string? token = Token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A second workspace (the admin its owner) and a write token of its own, for isolation tests.</summary>
    public async Task<string> OtherWorkspaceTokenAsync(string slug = "other")
    {
        await using var scope = Scope();
        var admin = await AdminIdAsync();
        var workspace = await scope.ServiceProvider.GetRequiredService<Centrali.Console.Workspaces.WorkspaceService>().CreateAsync(slug, slug, admin);
        return (await scope.ServiceProvider.GetRequiredService<Centrali.Console.Auth.TokenService>()
            .CreateAsync(workspace.Id, admin, new Centrali.Console.Auth.TokenInput($"{slug} script", "write", null))).Value;
    }

    /// <summary>The bootstrap admin's user id.</summary>
    public async Task<string> AdminIdAsync()
    {
        await using var scope = Scope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Centrali.Console.Auth.ConsoleUser>>();
        return (await users.FindByEmailAsync(AdminEmail))!.Id;
    }

    /// <summary>A console user (password <see cref="AdminPassword"/>, no forced change) with this role in the workspace, and optionally a token of theirs.</summary>
    public async Task<(string UserId, string? Token)> MemberAsync(string email, string role, string workspaceSlug = "default", string? tokenScope = "write")
    {
        await using var scope = Scope();
        var sp = scope.ServiceProvider;
        var workspace = await sp.GetRequiredService<Centrali.Console.Workspaces.WorkspaceService>().EnsureAsync(workspaceSlug);
        var user = await sp.GetRequiredService<Centrali.Console.Auth.UserService>()
            .CreateAsync(email, AdminPassword, Centrali.Console.Shared.Roles.Member, workspace.Id, role, mustChangePassword: false);
        string? token = null;
        if (tokenScope is not null && role != "viewer")
            token = (await sp.GetRequiredService<Centrali.Console.Auth.TokenService>()
                .CreateAsync(workspace.Id, user.Id, new Centrali.Console.Auth.TokenInput($"{email} script", tokenScope, null))).Value;
        return (user.Id, token);
    }

    public AsyncServiceScope Scope() => Services.CreateAsyncScope();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Postgres is not null)
        {
            // Pools are per connection string and outlive the app: a suite of apps would otherwise fill max_connections.
            Npgsql.NpgsqlConnection.ClearAllPools();
            if (!KeepFolder) await Postgres.DropDatabaseAsync(DatabaseName!);
        }
        if (!KeepFolder) try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}

sealed class CapturingLoggerProvider(ConcurrentQueue<string> sink) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(sink, categoryName);
    public void Dispose() { }

    sealed class Logger(ConcurrentQueue<string> sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
