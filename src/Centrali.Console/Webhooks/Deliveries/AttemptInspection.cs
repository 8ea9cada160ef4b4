using System.Text.Json;

namespace Centrali.Console.Webhooks.Deliveries;

/// <summary>What the console shows of one attempt: headers as lines, bodies pretty-printed, the attempt as a curl command, two responses compared.</summary>
public static class AttemptInspection
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>"Name: value" lines, in the order they were recorded.</summary>
    public static string Headers(JsonElement? headers) =>
        headers is { ValueKind: JsonValueKind.Object } h
            ? string.Join('\n', h.EnumerateObject().Select(p => $"{p.Name}: {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"))
            : "";

    /// <summary>JSON indented for reading; anything else as it came.</summary>
    public static string Body(string? body)
    {
        if (string.IsNullOrEmpty(body)) return "";
        try { return JsonSerializer.Serialize(JsonSerializer.Deserialize<JsonElement>(body), Indented); }
        catch (JsonException) { return body; }
    }

    /// <summary>
    /// A curl command that sends this attempt again: the same body bytes and the recorded headers, signatures included
    /// (a receiver that checks timestamps will refuse it once the tolerance has passed).
    /// </summary>
    public static string Curl(string url, JsonElement? headers, string body)
    {
        var sb = new StringBuilder($"curl -X POST {Quote(url)}");
        if (headers is { ValueKind: JsonValueKind.Object } h)
            foreach (var p in h.EnumerateObject())
            {
                if (p.Name.Equals("content-length", StringComparison.OrdinalIgnoreCase) || p.Name.Equals("host", StringComparison.OrdinalIgnoreCase)) continue;
                var value = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText();
                sb.Append(" \\\n  -H ").Append(Quote($"{p.Name}: {value}"));
            }
        sb.Append(" \\\n  --data-binary ").Append(Quote(body));
        return sb.ToString();
    }

    static string Quote(string s) => "'" + s.Replace("'", "'\\''") + "'";

    public sealed record DiffLine(char Kind, string Text);

    /// <summary>A line diff (longest common subsequence): ' ' in both, '-' only in the first, '+' only in the second.</summary>
    public static List<DiffLine> Diff(string first, string second)
    {
        var a = first.Split('\n');
        var b = second.Split('\n');
        // Responses are capped in size, so the quadratic table stays small; past that, show both whole.
        if ((long)a.Length * b.Length > 1_000_000)
            return [.. a.Select(l => new DiffLine('-', l)), .. b.Select(l => new DiffLine('+', l))];
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var lines = new List<DiffLine>();
        int x = 0, y = 0;
        while (x < a.Length && y < b.Length)
        {
            if (a[x] == b[y]) { lines.Add(new(' ', a[x])); x++; y++; }
            else if (lcs[x + 1, y] >= lcs[x, y + 1]) lines.Add(new('-', a[x++]));
            else lines.Add(new('+', b[y++]));
        }
        while (x < a.Length) lines.Add(new('-', a[x++]));
        while (y < b.Length) lines.Add(new('+', b[y++]));
        return lines;
    }

    /// <summary>One attempt's response as the diff compares it: status, headers, body.</summary>
    public static string Response(AttemptView a) =>
        $"status: {a.StatusCode?.ToString() ?? "no answer"}{(a.Error is null ? "" : $" ({a.Error})")}\n{Headers(a.ResponseHeaders)}\n\n{Body(a.ResponseBody)}";
}
