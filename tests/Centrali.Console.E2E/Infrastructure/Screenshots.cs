namespace Centrali.Console.E2E.Infrastructure;

/// <summary>Screenshots of each step go to artifacts/screenshots/ at the repository root (git-ignored).</summary>
public static class Screenshots
{
    public static string Folder { get; } = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");

    public static async Task ShotAsync(this IPage page, string test, string step)
    {
        Directory.CreateDirectory(Folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, $"{test}-{step}.png"), FullPage = true });
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Centrali.Console.sln"))) return dir.FullName;
        return Path.Combine(AppContext.BaseDirectory, "TestResults");
    }
}
