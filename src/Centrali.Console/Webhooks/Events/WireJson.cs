using System.Text;
using System.Text.Json;

namespace Centrali.Console.Webhooks.Events;

/// <summary>
/// Writes JSON exactly as JavaScript writes back what it parsed: the bytes of <c>JSON.stringify(JSON.parse(body))</c>.
/// Receivers that verify the signature over re-serialised JSON instead of the raw body (a common mistake, and what the
/// older webhooks guide's verifier does) then still match. Compact; keys in JavaScript's order (integer-like keys first,
/// ascending, then the rest as written); non-ASCII as UTF-8; strings escaped only where <c>JSON.stringify</c> escapes
/// (quote, backslash, control characters, lone surrogates); numbers in JavaScript's shortest form (<c>210.0</c> → <c>210</c>,
/// <c>1e21</c> → <c>1e+21</c>). A number JavaScript cannot hold exactly (an integer beyond 2^53, more digits than a double
/// keeps) is written as it was, never rounded: <see cref="InexactNumbers"/> finds them.
/// </summary>
public static class WireJson
{
    /// <summary>A parsed JSON value: object, array, string (UTF-16, lone surrogates allowed), number (as written) or literal.</summary>
    public abstract class Value;

    sealed class ObjectValue(List<KeyValuePair<string, Value>> properties) : Value
    {
        public List<KeyValuePair<string, Value>> Properties { get; } = properties;
    }

    sealed class ArrayValue(List<Value> items) : Value
    {
        public List<Value> Items { get; } = items;
    }

    sealed class StringValue(string text) : Value
    {
        public string Text { get; } = text;
    }

    sealed class NumberValue(string written) : Value
    {
        public string Written { get; } = written;
    }

    sealed class LiteralValue(string text) : Value
    {
        public string Text { get; } = text;
    }

    static readonly Value Null = new LiteralValue("null");

    public static Value String(string? text) => text is null ? Null : new StringValue(text);

    /// <summary>An object of these properties; a repeated name keeps its first place and takes the last value, as JavaScript does.</summary>
    public static Value Object(IEnumerable<KeyValuePair<string, Value>> properties)
    {
        var list = new List<KeyValuePair<string, Value>>();
        foreach (var p in properties) Put(list, p.Key, p.Value);
        return new ObjectValue(list);
    }

    /// <summary>The properties of a parsed object (empty for anything else), for building an object around them.</summary>
    public static IEnumerable<KeyValuePair<string, Value>> PropertiesOf(Value value) =>
        value is ObjectValue o ? o.Properties : [];

    public static Value Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    public static Value Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        reader.Read();
        return Read(ref reader);
    }

    /// <summary>The bytes JavaScript's <c>JSON.stringify</c> writes for <paramref name="value"/>.</summary>
    public static byte[] Write(Value value)
    {
        using var output = new MemoryStream();
        Write(output, value);
        return output.ToArray();
    }

    /// <summary>Re-writes JSON text in JavaScript's form (see the class remarks).</summary>
    public static string Normalize(string json) => Encoding.UTF8.GetString(Write(Parse(json)));

    /// <summary>The numbers of <paramref name="json"/> that are sent as written because JavaScript cannot hold them exactly.</summary>
    public static List<string> InexactNumbers(ReadOnlySpan<byte> json)
    {
        var found = new List<string>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 128 });
        while (reader.Read())
            if (reader.TokenType == JsonTokenType.Number && JsNumber(Encoding.ASCII.GetString(reader.ValueSpan)) is null)
                found.Add(Encoding.ASCII.GetString(reader.ValueSpan));
        return found;
    }

    static Value Read(ref Utf8JsonReader r)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                var properties = new List<KeyValuePair<string, Value>>();
                while (r.Read() && r.TokenType != JsonTokenType.EndObject)
                {
                    var name = Text(ref r);
                    r.Read();
                    Put(properties, name, Read(ref r));
                }
                return new ObjectValue(properties);
            case JsonTokenType.StartArray:
                var items = new List<Value>();
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) items.Add(Read(ref r));
                return new ArrayValue(items);
            case JsonTokenType.String:
                return new StringValue(Text(ref r));
            case JsonTokenType.Number:
                return new NumberValue(Encoding.ASCII.GetString(r.ValueSpan));
            case JsonTokenType.True:
                return new LiteralValue("true");
            case JsonTokenType.False:
                return new LiteralValue("false");
            default:
                return Null;
        }
    }

    static void Put(List<KeyValuePair<string, Value>> properties, string name, Value value)
    {
        var at = properties.FindIndex(p => string.Equals(p.Key, name, StringComparison.Ordinal));
        if (at >= 0) properties[at] = new(name, value);
        else properties.Add(new(name, value));
    }

    /// <summary>
    /// The string's UTF-16 text, escapes decoded here rather than by the reader, which refuses lone surrogates
    /// (<c>"\ud800"</c>) that JavaScript keeps.
    /// </summary>
    static string Text(ref Utf8JsonReader r)
    {
        var raw = r.ValueSpan;
        if (!r.ValueIsEscaped) return Encoding.UTF8.GetString(raw);
        var text = new StringBuilder(raw.Length);
        var start = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != '\\') continue;
            text.Append(Encoding.UTF8.GetString(raw[start..i]));
            var c = raw[++i];
            if (c == 'u')
            {
                text.Append((char)int.Parse(raw.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 4;
            }
            else text.Append(c switch { (byte)'b' => '\b', (byte)'f' => '\f', (byte)'n' => '\n', (byte)'r' => '\r', (byte)'t' => '\t', _ => (char)c });
            start = i + 1;
        }
        text.Append(Encoding.UTF8.GetString(raw[start..]));
        return text.ToString();
    }

    static void Write(Stream output, Value value)
    {
        switch (value)
        {
            case ObjectValue o:
                output.WriteByte((byte)'{');
                var first = true;
                foreach (var (name, item) in Ordered(o.Properties))
                {
                    if (!first) output.WriteByte((byte)',');
                    first = false;
                    WriteString(output, name);
                    output.WriteByte((byte)':');
                    Write(output, item);
                }
                output.WriteByte((byte)'}');
                break;
            case ArrayValue a:
                output.WriteByte((byte)'[');
                for (var i = 0; i < a.Items.Count; i++)
                {
                    if (i > 0) output.WriteByte((byte)',');
                    Write(output, a.Items[i]);
                }
                output.WriteByte((byte)']');
                break;
            case StringValue s:
                WriteString(output, s.Text);
                break;
            case NumberValue n:
                output.Write(Encoding.ASCII.GetBytes(JsNumber(n.Written) ?? n.Written));
                break;
            case LiteralValue l:
                output.Write(Encoding.ASCII.GetBytes(l.Text));
                break;
        }
    }

    /// <summary>JavaScript's property order: array-index keys ("0" to "4294967294", canonical) ascending, then the others as inserted.</summary>
    static IEnumerable<KeyValuePair<string, Value>> Ordered(List<KeyValuePair<string, Value>> properties)
    {
        if (!properties.Exists(p => ArrayIndex(p.Key) is not null)) return properties;
        return properties.Where(p => ArrayIndex(p.Key) is not null).OrderBy(p => ArrayIndex(p.Key))
            .Concat(properties.Where(p => ArrayIndex(p.Key) is null));
    }

    static uint? ArrayIndex(string key)
    {
        if (key.Length is 0 or > 10 || (key[0] == '0' && key.Length > 1) || !key.All(char.IsAsciiDigit)) return null;
        return ulong.Parse(key, CultureInfo.InvariantCulture) is var n && n <= 4294967294 ? (uint)n : null;
    }

    static void WriteString(Stream output, string text)
    {
        Span<byte> utf8 = stackalloc byte[4];
        output.WriteByte((byte)'"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': output.Write("\\\""u8); continue;
                case '\\': output.Write("\\\\"u8); continue;
                case '\b': output.Write("\\b"u8); continue;
                case '\f': output.Write("\\f"u8); continue;
                case '\n': output.Write("\\n"u8); continue;
                case '\r': output.Write("\\r"u8); continue;
                case '\t': output.Write("\\t"u8); continue;
            }
            if (c < 0x20 || (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))))
            {
                // Lower-case hex, as JSON.stringify writes it.
                output.Write(Encoding.ASCII.GetBytes($"\\u{(int)c:x4}"));
                continue;
            }
            var rune = char.IsHighSurrogate(c) ? new Rune(c, text[++i]) : new Rune(c);
            output.Write(utf8[..rune.EncodeToUtf8(utf8)]);
        }
        output.WriteByte((byte)'"');
    }

    /// <summary>
    /// JavaScript's text for the number written as <paramref name="written"/> (ECMAScript Number::toString of the nearest
    /// double), or null when that double does not give back the written value: then it is sent as written.
    /// </summary>
    public static string? JsNumber(string written)
    {
        var d = double.Parse(written, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(d)) return null;
        if (Digits(written) is not { } parsed) return null;
        var (digits, point) = parsed;
        if (d == 0) return digits == "0" ? "0" : null;
        var (shortest, shortestPoint) = Digits(d.ToString("R", CultureInfo.InvariantCulture))!.Value;
        if (shortest != digits || shortestPoint != point) return null;
        var n = (int)point;
        var k = shortest.Length;
        var text = k <= n && n <= 21 ? shortest + new string('0', n - k)
            : 0 < n && n <= 21 ? shortest[..n] + "." + shortest[n..]
            : -6 < n && n <= 0 ? "0." + new string('0', -n) + shortest
            : (k == 1 ? shortest : shortest[..1] + "." + shortest[1..]) + "e" + (n - 1 < 0 ? "-" : "+") + Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture);
        return d < 0 ? "-" + text : text;
    }

    /// <summary>
    /// The significant digits of a decimal number's text (no leading or trailing zeros; "0" for zero) and where the decimal
    /// point goes: value = 0.digits × 10^point. Null when the exponent does not fit a long (the double is 0 or infinite then).
    /// </summary>
    static (string Digits, long Point)? Digits(string text)
    {
        var e = text.IndexOfAny(['e', 'E']);
        var mantissa = (e < 0 ? text : text[..e]).TrimStart('-');
        var dot = mantissa.IndexOf('.');
        var whole = dot < 0 ? mantissa : mantissa[..dot];
        var all = whole + (dot < 0 ? "" : mantissa[(dot + 1)..]);
        var digits = all.Trim('0');
        if (digits.Length == 0) return ("0", 0);
        long exponent = 0;
        if (e >= 0 && !long.TryParse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)) return null;
        var lead = all.Length - all.TrimStart('0').Length;
        return (digits, whole.Length + exponent - lead);
    }
}
