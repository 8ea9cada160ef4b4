using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;

namespace Centrali.Console.Tests.Infrastructure;

/// <summary>
/// Node programs the tests run: the Standard Webhooks verifiers (Tests/Node) and the guides' own receivers
/// (Tests/Node/Guides), each folder copied to a work folder with its locked npm packages installed once per lock file
/// (npm ci); scripts run to completion, receivers as servers on 127.0.0.1.
/// </summary>
public static class NodePrograms
{
    static readonly SemaphoreSlim Installing = new(1, 1);

    public static bool Available()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, RedirectStandardError = true });
            p!.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    /// <summary>Tests/Node (the official standardwebhooks library and the verifiers built on it), ready to run.</summary>
    public static Task<string> VerifiersFolderAsync() =>
        InstalledAsync(Path.Combine(AppContext.BaseDirectory, "Node"), "standardwebhooks-1.1.1", "standardwebhooks");

    /// <summary>Tests/Node/Guides, ready to run.</summary>
    public static async Task<string> FolderAsync()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "Node", "Guides");
        var lockHash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(source, "package-lock.json"))))[..12];
        return await InstalledAsync(source, "guides-" + lockHash, "express");
    }

    /// <summary>The programs of <paramref name="source"/> copied to a temp folder, with their packages installed once (npm ci).</summary>
    static async Task<string> InstalledAsync(string source, string name, string package)
    {
        var folder = Path.Combine(Path.GetTempPath(), "centrali-tests-node", name);
        await Installing.WaitAsync();
        try
        {
            Directory.CreateDirectory(folder);
            foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
            if (!File.Exists(Path.Combine(folder, "node_modules", package, "package.json")))
                await RunAsync(folder, "npm", "ci --no-audit --no-fund", null);
        }
        finally
        {
            Installing.Release();
        }
        return folder;
    }

    /// <summary>Runs a program to its end and answers its standard output; a non-zero exit fails the test with its standard error.</summary>
    public static async Task<string> RunAsync(string folder, string program, string arguments, string? stdin)
    {
        var info = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = folder, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(info)!;
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{program} {arguments} failed: {await error}");
        return await output;
    }
}

/// <summary>One of the guides' receivers running under Node: its URL, and the lines it prints (JSON lines parsed, others as text).</summary>
public sealed class NodeReceiver : IAsyncDisposable
{
    readonly Process process;
    public ConcurrentQueue<string> Lines { get; } = new();
    public ConcurrentQueue<string> Errors { get; } = new();
    public string Url { get; private set; } = "";

    NodeReceiver(Process process) => this.process = process;

    /// <param name="script">A file of Tests/Node/Guides.</param>
    public static async Task<NodeReceiver> StartAsync(string script, IDictionary<string, string> environment)
    {
        var folder = await NodePrograms.FolderAsync();
        var info = new ProcessStartInfo("node", script) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var receiver = new NodeReceiver(Process.Start(info)!);
        receiver.process.OutputDataReceived += (_, e) => { if (e.Data is { } line) receiver.Lines.Enqueue(line); };
        receiver.process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) receiver.Errors.Enqueue(line); };
        receiver.process.BeginOutputReadLine();
        receiver.process.BeginErrorReadLine();
        var announced = await receiver.WaitForLineAsync(l => l.StartsWith("{\"port\":", StringComparison.Ordinal), "the receiver to announce its port");
        receiver.Url = $"http://127.0.0.1:{(int)JsonNode.Parse(announced)!["port"]!}/webhooks/centrali";
        return receiver;
    }

    /// <summary>Waits (generously: the machine is busy) for a printed line that satisfies <paramref name="match"/>.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string awaited, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (Lines.FirstOrDefault(match) is { } line) return line;
            if (process.HasExited) break;
            await Task.Delay(25);
        }
        throw new Xunit.Sdk.XunitException($"Waited for {awaited}; the receiver printed: {string.Join(" | ", Lines)} {string.Join(" | ", Errors)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited) process.Kill();
        await process.WaitForExitAsync();
        process.Dispose();
    }
}
