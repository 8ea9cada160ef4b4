using System.Text.RegularExpressions;

namespace Centrali.Console.Shared;

/// <summary>A JSON parser error in words a person reads: what is wrong, at which line and column (both counted from 1).</summary>
public static partial class JsonErrors
{
    public static string Describe(JsonException e, string? text = null)
    {
        var what = Words(e.Message);
        if (e.LineNumber is not { } line) return $"The JSON is not valid: {what}";
        var column = Column(text, line, e.BytePositionInLine ?? 0);
        return $"The JSON is not valid at line {line + 1}, column {column}: {what}";
    }

    /// <summary>The reader's sentence without its position suffix, its advice about reader options and its .NET type names.</summary>
    static string Words(string message)
    {
        var m = ReaderTail().Replace(message, "").Trim();
        m = ReaderAdvice().Replace(m, "").Trim();
        m = m.Replace("JSON value could not be converted to", "the value is not a valid").Replace("System.", "");
        if (m.Length == 0) return "it is not well-formed.";
        var first = char.ToLowerInvariant(m[0]) + m[1..];
        if (first.StartsWith("'") || first.StartsWith("\"")) first = m;
        return first.EndsWith('.') ? first : first + ".";
    }

    // BytePositionInLine counts UTF-8 bytes: turn it into a character column when the text is at hand.
    static long Column(string? text, long line, long bytes)
    {
        if (text is null) return bytes + 1;
        var lines = text.Split('\n');
        if (line >= lines.Length) return bytes + 1;
        var utf8 = Encoding.UTF8.GetBytes(lines[line]);
        var upTo = (int)Math.Min(bytes, utf8.Length);
        return Encoding.UTF8.GetCharCount(utf8, 0, upTo) + 1;
    }

    [GeneratedRegex(@"\s*(Path: [^|]*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?", RegexOptions.CultureInvariant)]
    private static partial Regex ReaderTail();

    [GeneratedRegex(@"\s*Change the reader options\.?|\s*The reader options[^.]*\.", RegexOptions.CultureInvariant)]
    private static partial Regex ReaderAdvice();
}
