using System.Text.Json.Nodes;

namespace Centrali.Console.Records;

public sealed class RecordOptions
{
    /// <summary>Records:MaxBytes — the largest request body a record write accepts.</summary>
    public int MaxBytes { get; set; } = 1048576;
}

/// <summary>Reads a JSON request body with a hard size cap, whatever Content-Length claims.</summary>
public static class RecordBody
{
    /// <summary>
    /// The deepest nesting a record may have (the record object itself is level 1). Every envelope around it — the event
    /// body, the API's {"data": …}, the delivery log's view of an event — adds levels, and JSON readers stop at 64.
    /// </summary>
    public const int MaxDepth = 32;

    public static async Task<string> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct = default)
    {
        if (request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw TooLarge(maxBytes);
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Parses text that must be a JSON object: malformed JSON names "body", any other JSON value names "data".</summary>
    public static JsonObject ParseObject(string json, string field = "data")
    {
        JsonNode? node;
        try
        {
            // Duplicate keys are refused: which of the two a receiver keeps would be anyone's guess.
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = false });
        }
        catch (JsonException e) when (e.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase))
        {
            throw ServiceException.Invalid(field, $"The data is nested more than {MaxDepth} levels deep; flatten it.");
        }
        catch (JsonException e)
        {
            throw ServiceException.Invalid("body", JsonErrors.Describe(e, json));
        }
        if (node is not JsonObject data) throw ServiceException.Invalid(field, "The data must be a JSON object, e.g. {\"name\": \"Ada\"}.");
        if (json.Contains("\\u", StringComparison.OrdinalIgnoreCase) && HasLoneSurrogate(json))
            throw ServiceException.Invalid(field, "The data holds a lone surrogate escape (such as \\ud800 without its pair): text must be valid Unicode, so it could not be stored or read back.");
        return data;
    }

    /// <summary>Whether a string or name escapes half a surrogate pair, which System.Text.Json cannot read back as text.</summary>
    static bool HasLoneSurrogate(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        try
        {
            while (reader.Read())
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped) reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return true;
        }
        return false;
    }

    static ServiceException TooLarge(int maxBytes) => ServiceException.TooLarge($"The body is larger than {maxBytes} bytes.");
}
