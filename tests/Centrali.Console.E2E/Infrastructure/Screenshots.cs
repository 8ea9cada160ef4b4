namespace Centrali.Console.E2E.Infrastructure;

/// <summary>Screenshots of each step go to artifacts/screenshots/ at the repository root (git-ignored).</summary>
public static class Screenshots
{
    public static string Folder { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    /// <param name="fullPage">False for a very tall page (the API reference): the viewport only, which stays fast on a busy machine.</param>
    public static async Task ShotAsync(this IPage page, string test, string step, bool fullPage = true)
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, $"{test}-{step}.png"), FullPage = fullPage, Timeout = 60_000 });
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Centrali.Console.sln"))) return dir.FullName;
        return Path.Combine(AppContext.BaseDirectory, "TestResults");
    }
}
