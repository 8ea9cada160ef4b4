using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Centrali.Console.Webhooks.Filters;

/// <summary>A filter text that does not parse; <see cref="Position"/> is 1-based, counted in characters.</summary>
public sealed class FilterSyntaxException(int position, string problem) : Exception($"at position {position}: {problem}")
{
    public int Position { get; } = position;
    public string Problem { get; } = problem;
}

/// <summary>
/// A compiled subscription filter (grammar in README.md, "Subscription filters"), evaluated against the event body
/// <c>{event, workspaceSlug, recordSlug, recordId, data, timestamp}</c>. Compiling checks everything a user can get
/// wrong; evaluating never throws: a missing field or a type mismatch makes a comparison false.
/// </summary>
public sealed class SubscriptionFilter
{
    public const int MaxLength = 2000;
    public const int MaxDepth = 64;
    public const int MaxStringLength = 500;
    public const int MaxNumberLength = 40;
    public const int MaxPathSegments = 32;
    public static readonly string[] Roots = ["event", "workspaceSlug", "recordSlug", "recordId", "data", "timestamp"];

    readonly Node root;

    SubscriptionFilter(string text, Node root) { Text = text; this.root = root; }

    public string Text { get; }

    /// <summary>Parses and checks <paramref name="text"/>; throws <see cref="FilterSyntaxException"/> with the position of the first problem.</summary>
    public static SubscriptionFilter Compile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength) throw new FilterSyntaxException(MaxLength + 1, $"a filter is at most {MaxLength} characters");
        if (string.IsNullOrWhiteSpace(text)) throw new FilterSyntaxException(1, "the filter is empty");
        return new SubscriptionFilter(text, new Parser(text).ParseFilter());
    }

    /// <summary>The problem of a subscription's filter text as "at position N: …", or null when it compiles or is empty (no filter).</summary>
    public static string? Problem(string? filter) =>
        // Positions count in the text as typed, so it is checked untrimmed (the parser skips spaces anyway).
        string.IsNullOrWhiteSpace(filter) ? null : Check(filter);

    /// <summary>The problem with <paramref name="text"/> as "at position N: …", or null when it compiles.</summary>
    public static string? Check(string text)
    {
        try { Compile(text); return null; }
        catch (FilterSyntaxException e) { return e.Message; }
    }

    /// <summary>Whether the event body matches; false (never an exception) for anything that is not a JSON object.</summary>
    public bool Matches(JsonElement body) => body.ValueKind == JsonValueKind.Object && root.Test(body);

    public bool Matches(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return Matches(document.RootElement);
        }
        catch (JsonException) { return false; }
    }

    public override string ToString() => Text;

    // ---- evaluation ----

    /// <summary>
    /// A value during evaluation: an element of the body (read lazily, so a string is compared without allocating),
    /// a literal, or "missing".
    /// </summary>
    readonly record struct Value(JsonValueKind Kind, JsonElement Element, bool FromBody, string? Literal, double LiteralNumber, Value[]? List, byte[]? Utf8 = null)
    {
        public static readonly Value Missing = default;
        public bool IsMissing => Kind == JsonValueKind.Undefined;
        public bool IsNull => Kind == JsonValueKind.Null;
        public bool IsBool => Kind is JsonValueKind.True or JsonValueKind.False;
        public string? String => FromBody ? Element.GetString() : Literal;
        public double Number => FromBody ? (Element.TryGetDouble(out var d) ? d : double.NaN) : LiteralNumber;
        public decimal? Exact => FromBody
            ? (Element.TryGetDecimal(out var m) ? m : null)
            : decimal.TryParse(Literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var l) ? l : null;

        public static Value Of(JsonElement e) => new(e.ValueKind, e, true, null, 0, null);
        public static Value OfString(string s) => new(JsonValueKind.String, default, false, s, 0, null, Encoding.UTF8.GetBytes(s));
        /// <summary>A number literal keeps its text, so a huge integer can still be compared exactly.</summary>
        public static Value OfNumber(double d, string text) => new(JsonValueKind.Number, default, false, text, d, null);
    }

    // Beyond 2^53 doubles lose integers; equal doubles there are re-compared as decimals.
    const double ExactLimit = 9007199254740992d;

    static int? CompareNumbers(in Value a, in Value b)
    {
        double x = a.Number, y = b.Number;
        if (double.IsNaN(x) || double.IsNaN(y)) return null;
        if (x != y || Math.Abs(x) < ExactLimit) return x.CompareTo(y);
        return a.Exact is { } p && b.Exact is { } q ? p.CompareTo(q) : 0;
    }

    static bool SameValue(in Value a, in Value b)
    {
        if (a.IsMissing || b.IsMissing) return false;
        if (a.IsBool && b.IsBool) return a.Kind == b.Kind;
        if (a.Kind != b.Kind) return false;
        return a.Kind switch
        {
            JsonValueKind.Null => true,
            JsonValueKind.String => a.FromBody && !b.FromBody ? a.Element.ValueEquals(b.Utf8)
                : b.FromBody && !a.FromBody ? b.Element.ValueEquals(a.Utf8)
                : string.Equals(a.String, b.String, StringComparison.Ordinal),
            JsonValueKind.Number => CompareNumbers(a, b) == 0,
            // Objects and arrays are not compared by value: equality over them is false.
            _ => false,
        };
    }

    /// <summary>-1, 0, 1, or null when the two cannot be ordered (missing, different types, not number or string).</summary>
    static int? Order(in Value a, in Value b)
    {
        if (a.Kind != b.Kind) return null;
        if (a.Kind == JsonValueKind.String) return Math.Sign(string.CompareOrdinal(a.String, b.String));
        if (a.Kind == JsonValueKind.Number) return CompareNumbers(a, b);
        return null;
    }

    abstract class Node
    {
        public abstract bool Test(JsonElement body);
    }

    sealed class Or(Node left, Node right) : Node
    {
        public override bool Test(JsonElement body) => left.Test(body) || right.Test(body);
    }

    sealed class And(Node left, Node right) : Node
    {
        public override bool Test(JsonElement body) => left.Test(body) && right.Test(body);
    }

    sealed class Not(Node inner) : Node
    {
        public override bool Test(JsonElement body) => !inner.Test(body);
    }

    /// <summary>A bare operand used as a condition: true only for the JSON value true.</summary>
    sealed class Truthy(Operand operand) : Node
    {
        public override bool Test(JsonElement body) => operand.Evaluate(body).Kind == JsonValueKind.True;
    }

    enum Op { Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, Contains, In }

    sealed class Comparison(Operand left, Op op, Operand right) : Node
    {
        public override bool Test(JsonElement body)
        {
            var a = left.Evaluate(body);
            var b = right.Evaluate(body);
            switch (op)
            {
                // A null check treats a missing field as null: "data.x == null" holds when x is absent.
                case Op.Equal when a.IsNull || b.IsNull: return (a.IsNull || a.IsMissing) && (b.IsNull || b.IsMissing);
                case Op.NotEqual when a.IsNull || b.IsNull: return !((a.IsNull || a.IsMissing) && (b.IsNull || b.IsMissing));
                case Op.Equal: return SameValue(a, b);
                case Op.NotEqual: return !a.IsMissing && !b.IsMissing && (a.Kind == b.Kind || a.IsBool && b.IsBool) && !SameValue(a, b);
                case Op.Less: return Order(a, b) < 0;
                case Op.LessOrEqual: return Order(a, b) <= 0;
                case Op.Greater: return Order(a, b) > 0;
                case Op.GreaterOrEqual: return Order(a, b) >= 0;
                case Op.Contains: return Contains(a, b);
                case Op.In: return Contains(b, a) && b.Kind == JsonValueKind.Array;
                default: return false;
            }
        }

        static bool Contains(in Value container, in Value item)
        {
            if (item.IsMissing) return false;
            if (container.Kind == JsonValueKind.String)
                return item.Kind == JsonValueKind.String && container.String!.Contains(item.String!, StringComparison.Ordinal);
            if (container.Kind != JsonValueKind.Array) return false;
            if (container.List is { } list)
            {
                foreach (var v in list) if (SameValue(v, item)) return true;
                return false;
            }
            foreach (var e in container.Element.EnumerateArray()) if (SameValue(Value.Of(e), item)) return true;
            return false;
        }
    }

    abstract class Operand
    {
        public abstract Value Evaluate(JsonElement body);
    }

    sealed class Literal(Value value) : Operand
    {
        public override Value Evaluate(JsonElement body) => value;
    }

    /// <summary>One step of a path: a property name (pre-encoded as UTF-8, as the body is) or an array index.</summary>
    readonly record struct Segment(byte[]? Name, int Index);

    /// <summary>A dotted path into the body.</summary>
    sealed class FieldPath(Segment[] segments) : Operand
    {
        public override Value Evaluate(JsonElement body)
        {
            var current = body;
            foreach (var segment in segments)
            {
                if (segment.Name is { } name)
                {
                    if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current)) return Value.Missing;
                }
                else if (current.ValueKind != JsonValueKind.Array || segment.Index >= current.GetArrayLength()) return Value.Missing;
                else current = current[segment.Index];
            }
            return Value.Of(current);
        }
    }

    // ---- parsing: recursive descent over the grammar in README.md ----

    sealed class Parser(string text)
    {
        int pos;
        int depth;

        public Node ParseFilter()
        {
            var node = ParseOr();
            SkipSpace();
            if (pos < text.Length) throw Error(pos, $"unexpected '{Snippet(pos)}'; expected &&, || or the end of the filter");
            return node;
        }

        Node ParseOr()
        {
            var left = ParseAnd();
            while (Accept("||")) left = new Or(left, ParseAnd());
            return left;
        }

        Node ParseAnd()
        {
            var left = ParseUnary();
            while (Accept("&&")) left = new And(left, ParseUnary());
            return left;
        }

        Node ParseUnary()
        {
            SkipSpace();
            Enter();
            try
            {
                if (Peek('!') && !PeekAt(pos + 1, '='))
                {
                    pos++;
                    return new Not(ParseUnary());
                }
                if (Peek('('))
                {
                    var open = pos++;
                    var inner = ParseOr();
                    SkipSpace();
                    if (!Peek(')')) throw Error(pos, pos >= text.Length ? $"the '(' at position {open + 1} is never closed" : $"expected ')' but found '{Snippet(pos)}'");
                    pos++;
                    return inner;
                }
                return ParseComparison();
            }
            finally { depth--; }
        }

        Node ParseComparison()
        {
            var left = ParseOperand();
            SkipSpace();
            var at = pos;
            Op? op = Accept("==") ? Op.Equal : Accept("!=") ? Op.NotEqual : Accept("<=") ? Op.LessOrEqual : Accept(">=") ? Op.GreaterOrEqual
                : Accept("<") ? Op.Less : Accept(">") ? Op.Greater : AcceptWord("contains") ? Op.Contains : AcceptWord("in") ? Op.In : null;
            if (op is null)
            {
                if (pos < text.Length && text[pos] == '=') throw Error(pos, "use == to compare");
                return left is Literal { } && !IsBoolLiteral(left) ? throw Error(at, "expected an operator (==, !=, <, <=, >, >=, contains, in) after the value") : new Truthy(left);
            }
            SkipSpace();
            var rightAt = pos;
            var right = ParseOperand();
            if (op == Op.In && right is Literal { } lit && lit.Evaluate(default).Kind != JsonValueKind.Array)
                throw Error(rightAt, "'in' needs a list, e.g. [\"DE\", \"FR\"]");
            return new Comparison(left, op.Value, right);
        }

        static bool IsBoolLiteral(Operand o) => o is Literal l && l.Evaluate(default).IsBool;

        Operand ParseOperand()
        {
            SkipSpace();
            if (pos >= text.Length) throw Error(pos, "expected a value");
            var c = text[pos];
            if (c == '"' || c == '\'') return new Literal(ParseString());
            if (c == '-' || char.IsAsciiDigit(c)) return new Literal(ParseNumber());
            if (c == '[') return new Literal(ParseList());
            if (char.IsAsciiLetter(c) || c == '_') return ParseName();
            throw Error(pos, $"expected a value but found '{Snippet(pos)}'");
        }

        Operand ParseName()
        {
            var start = pos;
            var word = Word();
            switch (word)
            {
                case "true": return new Literal(Bool(true));
                case "false": return new Literal(Bool(false));
                case "null": return new Literal(new Value(JsonValueKind.Null, default, false, null, 0, null));
            }
            SkipSpace();
            if (Peek('(')) throw Error(start, $"unknown function '{word}'; filters have no functions");
            if (!Roots.Contains(word)) throw Error(start, $"unknown field '{word}'; a path starts with one of {string.Join(", ", Roots)}");
            var segments = new List<Segment> { Name(word) };
            while (true)
            {
                if (Peek('.'))
                {
                    pos++;
                    if (pos >= text.Length || !(char.IsAsciiLetterOrDigit(text[pos]) || text[pos] is '_' or '-' or '$'))
                        throw Error(pos, "expected a field name after '.'");
                    segments.Add(Name(Word(allowDigitsFirst: true)));
                }
                else if (Peek('['))
                {
                    var open = pos++;
                    var digits = pos;
                    while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
                    if (pos == digits || pos - digits > 6 || !Peek(']')) throw Error(open + 1, "expected an index such as [0]");
                    segments.Add(new Segment(null, int.Parse(text.AsSpan(digits, pos - digits), CultureInfo.InvariantCulture)));
                    pos++;
                }
                else break;
                if (segments.Count > MaxPathSegments) throw Error(start, $"a path has at most {MaxPathSegments} parts");
            }
            return new FieldPath([.. segments]);
        }

        static Segment Name(string word) => new(Encoding.UTF8.GetBytes(word), 0);

        string Word(bool allowDigitsFirst = false)
        {
            var start = pos;
            while (pos < text.Length && (char.IsAsciiLetterOrDigit(text[pos]) || text[pos] is '_' or '-' or '$')
                   && (allowDigitsFirst || pos > start || !char.IsAsciiDigit(text[pos]))) pos++;
            if (pos - start > MaxStringLength) throw Error(start, $"a name is at most {MaxStringLength} characters");
            return text[start..pos];
        }

        Value ParseString()
        {
            var quote = text[pos];
            var start = pos++;
            var s = new StringBuilder();
            while (true)
            {
                if (pos >= text.Length) throw Error(start, "this string is never closed");
                var c = text[pos++];
                if (c == quote) break;
                if (c == '\\')
                {
                    if (pos >= text.Length) throw Error(start, "this string is never closed");
                    var e = text[pos++];
                    s.Append(e switch
                    {
                        '"' or '\'' or '\\' or '/' => e,
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        _ => throw Error(pos - 2, $"unknown escape '\\{e}'; use \\\" \\' \\\\ \\n \\t or \\r"),
                    });
                }
                else s.Append(c);
                if (s.Length > MaxStringLength) throw Error(start, $"a string is at most {MaxStringLength} characters");
            }
            return Value.OfString(s.ToString());
        }

        Value ParseNumber()
        {
            var start = pos;
            if (Peek('-')) pos++;
            while (pos < text.Length && (char.IsAsciiDigit(text[pos]) || text[pos] is '.' or 'e' or 'E'
                   || text[pos] is '+' or '-' && text[pos - 1] is 'e' or 'E')) pos++;
            var literal = text.AsSpan(start, pos - start);
            if (literal.Length > MaxNumberLength) throw Error(start, $"a number is at most {MaxNumberLength} characters");
            if (!double.TryParse(literal, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                    CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                throw Error(start, $"'{literal}' is not a number");
            return Value.OfNumber(d, literal.ToString());
        }

        Value ParseList()
        {
            Enter();
            pos++;
            var items = new List<Value>();
            SkipSpace();
            if (!Peek(']'))
            {
                while (true)
                {
                    SkipSpace();
                    var at = pos;
                    if (ParseOperand() is not Literal item || item.Evaluate(default).Kind is JsonValueKind.Array)
                        throw Error(at, "a list holds strings, numbers, true, false or null");
                    items.Add(item.Evaluate(default));
                    SkipSpace();
                    if (Peek(',')) { pos++; continue; }
                    if (Peek(']')) break;
                    throw Error(pos, pos >= text.Length ? "this list is never closed; expected ']'" : "expected ',' or ']'");
                }
            }
            pos++;
            depth--;
            return new Value(JsonValueKind.Array, default, false, null, 0, [.. items]);
        }

        static Value Bool(bool b) => new(b ? JsonValueKind.True : JsonValueKind.False, default, false, null, 0, null);

        // Bounds recursion so a hostile "((((…" is a 400, not a stack overflow.
        void Enter()
        {
            if (++depth > MaxDepth) throw Error(pos, $"nested more than {MaxDepth} levels deep");
        }

        void SkipSpace()
        {
            while (pos < text.Length && char.IsWhiteSpace(text[pos])) pos++;
        }

        bool Peek(char c) => pos < text.Length && text[pos] == c;
        bool PeekAt(int at, char c) => at < text.Length && text[at] == c;

        bool Accept(string token)
        {
            SkipSpace();
            if (string.CompareOrdinal(text, pos, token, 0, token.Length) != 0) return false;
            pos += token.Length;
            return true;
        }

        bool AcceptWord(string word)
        {
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) return false;
            var end = pos + word.Length;
            if (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_')) return false;
            pos = end;
            return true;
        }

        string Snippet(int at) => at >= text.Length ? "the end" : text.Substring(at, Math.Min(12, text.Length - at));

        static FilterSyntaxException Error(int at, string problem) => new(at + 1, problem);
    }
}

/// <summary>
/// Compiled filters by subscription id and filter text, so fan-out compiles each filter once; an edited filter is a new key.
/// </summary>
public sealed class SubscriptionFilters
{
    const int Capacity = 10_000;
    // Keyed by id with the text kept beside it: a lookup hashes a Guid, not the filter text, and an edit replaces the entry.
    readonly ConcurrentDictionary<Guid, (string Text, SubscriptionFilter? Filter)> cache = new();

    /// <summary>The compiled filter, or null when the text does not compile (a row written around the API): such a filter matches nothing.</summary>
    public SubscriptionFilter? For(Guid subscriptionId, string text)
    {
        if (cache.TryGetValue(subscriptionId, out var hit) && string.Equals(hit.Text, text, StringComparison.Ordinal)) return hit.Filter;
        // Deleted subscriptions' entries are dropped wholesale rather than tracked: recompiling is cheap.
        if (cache.Count >= Capacity) cache.Clear();
        SubscriptionFilter? compiled;
        try { compiled = SubscriptionFilter.Compile(text); }
        catch (FilterSyntaxException) { compiled = null; }
        cache[subscriptionId] = (text, compiled);
        return compiled;
    }

    /// <summary>Whether an event body passes the subscription's filter; no filter passes everything.</summary>
    public bool Passes(Guid subscriptionId, string? filter, JsonElement body) =>
        string.IsNullOrEmpty(filter) || For(subscriptionId, filter)?.Matches(body) == true;
}
