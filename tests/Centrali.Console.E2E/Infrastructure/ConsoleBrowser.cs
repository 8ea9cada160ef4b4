namespace Centrali.Console.E2E.Infrastructure;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<ConsoleBrowser>
{
    public const string Name = "browser";
}

/// <summary>One running app and one Debian Chromium for the whole browser suite; each test gets a fresh browser context.</summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    IPlaywright? playwright;
    public ConsoleApp Server { get; private set; } = default!;
    public IBrowser Browser { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        // Five attempts, 3 s apart: long enough to watch a countdown tick, short enough to fail within seconds.
        Server = ConsoleApp.Served(new Dictionary<string, string?>(ConsoleApp.RetryEvery("00:00:03"))
        {
            ["Webhooks:CircuitBreaker:FailureThreshold"] = "50",
            ["Webhooks:Timeout"] = "00:00:30",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        // The first interactive render waits for the circuit; 5 s (the default) is tight on a busy 2-core machine.
        Assertions.SetDefaultExpectTimeout(15_000);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath(),
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    /// <summary>A page in a new context (own cookies), sized like a laptop screen by default, with the app as base URL.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 800, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = colorScheme,
        });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Logs in through the real login form and waits for the interactive shell.</summary>
    public static async Task LoginAsync(IPage page, string email = ConsoleApp.AdminEmail, string password = ConsoleApp.AdminPassword)
    {
        await page.GotoAsync("/account/login");
        await page.Locator("#email").FillAsync(email);
        await page.Locator("#password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page).Not.ToHaveURLAsync(new Regex("/account/login"));
        await WaitForInteractiveAsync(page);
    }

    /// <summary>The shell marks itself once its circuit has rendered interactively; before that, clicks go nowhere.</summary>
    public static async Task WaitForInteractiveAsync(IPage page) =>
        await Assertions.Expect(page.Locator("[data-interactive=true]")).ToHaveCountAsync(1);

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
    }

    static string ChromiumPath()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "chromium");
            if (File.Exists(candidate)) return ResolveLinks(candidate);
        }
        if (File.Exists("/usr/bin/chromium")) return "/usr/bin/chromium";
        throw new InvalidOperationException("Chromium is not installed: run `bash tests/test.sh` (it installs Debian's chromium) or `apt-get install -y chromium`.");
    }

    static string ResolveLinks(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
}
