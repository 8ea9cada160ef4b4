namespace Centrali.Console.Tests.Compatibility;

/// <summary>
/// Every wire body, v2 and v1, is byte for byte what Node's <c>JSON.stringify(JSON.parse(body))</c> gives back, so a receiver
/// that verifies re-serialised JSON still matches; numbers JavaScript cannot hold are sent as written and found.
/// </summary>
public sealed class WireBodyFacts
{
    static readonly Guid RecordId = Guid.Parse("7d5a87d5-b10c-48bb-85d8-c42dbdaab417");
    static readonly DateTime At = new(2026, 4, 22, 4, 59, 2, DateTimeKind.Utc);

    public static readonly string[] Hostile =
    [
        """{"a": 210.0, "b": 1e21, "c": 0.1, "d": 1E-7, "e": -0.0, "f": 5e-324, "g": 1.7976931348623157e308, "h": 0.30000000000000004,""" +
        """ "i": 123456789012345680000, "j": 1e20, "k": 100, "l": -1.5e-7, "m": 2.50, "n": 0.000001, "o": 9007199254740992, "p": -12.5E+3, "q": 0e5}""",
        """{"s": "quote \" backslash \\ slash \/ nul \u0000 soh \u0001 \b\f\n\r\t unit \u001f del \u007f ls \u2028 ps \u2029 é \u00e9 😀 \ud83d\ude00 <>&' \uFEFF"}""",
        """{"lone": "\ud800", "low": "\udc00x", "pairThenLone": "\ud83d\ude00\ud83d", "key\udbff": 1}""",
        """{"b": 1, "2": 2, "1": 3, "10": 4, "01": 5, "-1": 6, "4294967294": 7, "4294967295": 8, "1.5": 9, "a": {"z": 1, "0": 0}}""",
        """{"__proto__": {"x": 1}, "nested": [[], {}, [{"deep": [1, [2, [3.000]]]}]], "t": true, "f": false, "n": null, "": "empty key"}""",
        """{"dup": 1, "x": 2, "dup": 3}""",
        """{"id": "own id field", "name": "a record with an id of its own"}""",
    ];

    /// <summary>Numbers that a double cannot give back as written: they are sent as written.</summary>
    public static readonly string[] Inexact =
    [
        """{"big": 9007199254740993}""",
        """{"digits": 0.123456789012345678901}""",
        """{"huge": 1e400}""",
        """{"under": -1e-400}""",
        """{"almost": 1.00000000000000001}""",
    ];

    static (byte[] V2, byte[] V1) Bodies(string data) =>
        (EventOutbox.Body(EventTypes.RecordCreated, "demo", "orders", RecordId, data, At), EventOutbox.LegacyBody(EventTypes.RecordCreated, "demo", "orders", RecordId, data, At));

    [Fact]
    public async Task EveryBody_IsWhatJsonStringifyWritesBack()
    {
        if (!NodePrograms.Available()) return; // Node is on the development machine and in CI.
        var bodies = Hostile.SelectMany(d => new[] { Bodies(d).V2, Bodies(d).V1 }).ToList();
        var inexact = Inexact.SelectMany(d => new[] { Bodies(d).V2, Bodies(d).V1 }).ToList();
        var all = bodies.Concat(inexact).ToList();

        var output = await NodePrograms.RunAsync(await NodePrograms.FolderAsync(), "node", "stringify.js",
            JsonSerializer.Serialize(all.Select(Convert.ToBase64String)));
        var rewritten = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Convert.FromBase64String).ToList();
        Assert.Equal(all.Count, rewritten.Count);
        for (var i = 0; i < bodies.Count; i++)
        {
            Assert.True(bodies[i].AsSpan().SequenceEqual(rewritten[i]), $"Node wrote back\n{Encoding.UTF8.GetString(rewritten[i])}\nfor\n{Encoding.UTF8.GetString(bodies[i])}");
            Assert.Empty(WireJson.InexactNumbers(bodies[i]));
        }
        for (var i = bodies.Count; i < all.Count; i++)
        {
            Assert.False(all[i].AsSpan().SequenceEqual(rewritten[i]), $"{Encoding.UTF8.GetString(all[i])} should not survive JSON.stringify");
            Assert.NotEmpty(WireJson.InexactNumbers(all[i]));
        }
    }

    [Fact]
    public void Numbers_TakeJavaScriptsShortestForm_UnlessJavaScriptCannotHoldThem()
    {
        var (v2, v1) = Bodies("""{"total": 210.0, "big": 1e21, "tenth": 0.10, "small": 1E-7, "zero": -0.0, "account": 9007199254740993}""");
        const string Data = """{"total":210,"big":1e+21,"tenth":0.1,"small":1e-7,"zero":0,"account":9007199254740993}""";
        Assert.Equal($$"""{"event":"record_created","workspaceSlug":"demo","recordSlug":"orders","recordId":"{{RecordId}}","data":{{Data}},"timestamp":"2026-04-22T04:59:02Z"}""",
            Encoding.UTF8.GetString(v2));
        Assert.Equal($$$"""{"event":"record.created","workspace":"demo","timestamp":"2026-04-22T04:59:02Z","data":{"structure":"orders","recordId":"{{{RecordId}}}","record":{"id":"{{{RecordId}}}",{{{Data[1..]}}}}}""",
            Encoding.UTF8.GetString(v1));
        Assert.Equal(["9007199254740993"], WireJson.InexactNumbers(v2));
    }

    [Fact]
    public void Strings_AreUtf8_EscapedOnlyWhereJsonStringifyEscapes()
    {
        var (v2, _) = Bodies("""{"s": "\u00e9 \u003c \u2028 \u007f \u001F \ud800 \"\\\/"}""");
        var data = v2.AsSpan()[(v2.AsSpan().IndexOf("\"data\":"u8) + 7)..];
        Assert.StartsWith("{\"s\":\"é < \u2028 \u007f \\u001f \\ud800 \\\"\\\\/\"}", Encoding.UTF8.GetString(data));
        Assert.Equal([0xC3, 0xA9], data[6..8].ToArray());
    }
}
