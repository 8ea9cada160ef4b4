using System.Globalization;
using System.Text.Json;

namespace Centrali.Console.Bench;

/// <summary>One line of the table: a measured figure, its target (if any) and whether it is met.</summary>
public sealed record Figure(string Key, string Name, double? Value, string Unit, string Target, bool? Met, string? Note = null);

public sealed class Results
{
    public List<Figure> Figures { get; } = [];
    public Dictionary<string, string> Errors { get; } = [];

    public void Add(string key, string name, double value, string unit, string target = "—", Func<double, bool>? met = null, string? note = null) =>
        Figures.Add(new Figure(key, name, Math.Round(value, 2), unit, target, met?.Invoke(value), note));

    public void Missing(string key, string name, string unit, string target = "—") =>
        Figures.Add(new Figure(key, name, null, unit, target, target == "—" ? null : false, "not measured"));

    public void Print(TextWriter o)
    {
        var rows = Figures.Select(f => new[]
        {
            f.Name,
            f.Value is { } v ? $"{Format(v)} {f.Unit}".Trim() : "—",
            f.Target,
            f.Met switch { true => "yes", false => "no", null => "" },
            f.Note ?? "",
        }).ToList();
        string[] head = ["figure", "value", "target", "met", "note"];
        var widths = Enumerable.Range(0, head.Length).Select(i => rows.Select(r => r[i].Length).Append(head[i].Length).Max()).ToArray();
        string Line(string[] cells) => "| " + string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))) + " |";
        o.WriteLine(Line(head));
        o.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var r in rows) o.WriteLine(Line(r));
        foreach (var (scenario, error) in Errors) o.WriteLine($"ERROR in {scenario}: {error}");
    }

    static string Format(double v) => v >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);

    public void Write(string path, object context)
    {
        var json = JsonSerializer.Serialize(new { context, figures = Figures, errors = Errors }, new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        });
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        File.WriteAllText(path, json);
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static double Median(IEnumerable<double> values) => Percentile(values.Order().ToList(), 50);
}
