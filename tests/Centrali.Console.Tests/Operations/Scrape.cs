using System.Globalization;
using System.Text.RegularExpressions;

namespace Centrali.Console.Tests.Operations;

/// <summary>A Prometheus text exposition, read line by line: the sum of a metric's samples whose labels include the given ones.</summary>
public sealed partial class Scrape(string text)
{
    public string Text { get; } = text;

    public double Sum(string metric, params (string Label, string Value)[] labels)
    {
        double sum = 0;
        foreach (var line in Text.Split('\n'))
        {
            var m = Sample().Match(line);
            if (!m.Success || m.Groups["name"].Value != metric) continue;
            var found = Label().Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value);
            if (labels.All(l => found.TryGetValue(l.Label, out var v) && v == l.Value))
                sum += double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    public bool Has(string metric) => Text.Split('\n').Any(l => Sample().Match(l) is { Success: true } m && m.Groups["name"].Value == metric);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)")]
    private static partial Regex Sample();

    [GeneratedRegex(@"(\w+)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
