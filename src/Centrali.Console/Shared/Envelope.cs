namespace Centrali.Console.Shared;

/// <summary>A single object answers as {"data": …}.</summary>
public sealed record One<T>(T Data);

/// <summary>A list answers as {"data": […], "nextCursor": …} (keyset paging).</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

public static class Paging
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static int Limit(int? limit)
    {
        if (limit is null) return DefaultLimit;
        if (limit < 1 || limit > MaxLimit) throw ServiceException.Invalid("limit", $"limit must be between 1 and {MaxLimit}.");
        return limit.Value;
    }

    public static Guid? Cursor(string? cursor) =>
        cursor is null or "" ? null
        : Guid.TryParse(cursor, out var id) ? id
        : throw ServiceException.Invalid("cursor", "cursor is not one this API gave out.");

    /// <summary>
    /// The most one list answer carries, as JSON: rows stop being added once their size passes it, and the next cursor
    /// goes on from there. However large the records and the limit, a page stays near this size (plus at most one row).
    /// </summary>
    public const long ByteBudget = 1 << 20;

    /// <summary>Takes limit+1 rows from the query's caller and turns the extra one, or the row that spent the byte budget, into the next cursor.</summary>
    public static Page<TOut> ToPage<TIn, TOut>(List<TIn> rows, int limit, Func<TIn, Guid> id, Func<TIn, TOut> map)
    {
        var data = new List<TOut>(Math.Min(rows.Count, limit));
        var size = new CountingStream();
        foreach (var row in rows.Take(limit))
        {
            var item = map(row);
            data.Add(item);
            JsonSerializer.Serialize(size, item, JsonSerializerOptions.Web);
            if (size.Length >= ByteBudget && data.Count < rows.Count) return new(data, id(row).ToString());
        }
        return new(data, rows.Count > limit ? id(rows[limit - 1]).ToString() : null);
    }

    /// <summary>Counts the bytes written to it and keeps none.</summary>
    sealed class CountingStream : Stream
    {
        long length;
        public override long Length => length;
        public override void Write(byte[] buffer, int offset, int count) => length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Position { get => length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
