namespace Centrali.Console.Tests.Infrastructure;

/// <summary>
/// One app for a whole test class (xunit's class fixture), for cases that are refused or only add rows no other case
/// looks at, such as the rules of a field: starting an app of its own costs each case a second or two.
/// </summary>
public class SharedApp : IAsyncLifetime
{
    ConsoleApp? app;

    public ConsoleApp App => app ?? throw new InvalidOperationException("The shared app starts in InitializeAsync.");

    protected virtual IDictionary<string, string?>? Settings => null;

    public Task InitializeAsync()
    {
        app = new ConsoleApp(Settings);
        _ = app.Server; // started here, so the first case does not pay for it inside its own timeout
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (app is not null) await app.DisposeAsync();
    }
}

/// <summary>A shared app that refuses private-network receivers, as outside Development.</summary>
public sealed class GuardedSharedApp : SharedApp
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?> { ["Webhooks:AllowPrivateNetworks"] = "false" };
}
