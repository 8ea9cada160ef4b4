using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

// Shared with the bench (linked there), like PostgresCluster.cs.
namespace Centrali.Console.Tests.Infrastructure;

/// <summary>The real app's build started as a process of its own: the scale-out tests and the bench run it so.</summary>
public static class ChildApp
{
    /// <summary>
    /// `dotnet <paramref name="appDll"/>` listening on 127.0.0.1:<paramref name="port"/> in Production, with these settings
    /// (":" written as "__"); each output line goes to <paramref name="output"/>. A runner that exits first takes it along.
    /// </summary>
    public static Process Start(string appDll, int port, IEnumerable<KeyValuePair<string, string>> settings, Action<string> output)
    {
        if (!File.Exists(appDll)) throw new FileNotFoundException($"Build the app first ({appDll} is missing).");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { appDll },
            WorkingDirectory = Path.GetDirectoryName(appDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = start.Environment;
        env["ASPNETCORE_ENVIRONMENT"] = "Production";
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        env["Webhooks__AllowPrivateNetworks"] = "true";
        env["Logging__LogLevel__Default"] = "Warning";
        env["Logging__Console__FormatterOptions__SingleLine"] = "true";
        env["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (k, v) in settings) env[k.Replace(":", "__")] = v;

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) output(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) output(line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on now.</summary>
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
}
