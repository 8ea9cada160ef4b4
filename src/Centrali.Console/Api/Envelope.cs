namespace Centrali.Console.Api;

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

    /// <summary>Takes limit+1 rows from the query's caller and turns the extra one into the next cursor.</summary>
    public static Page<TOut> ToPage<TIn, TOut>(List<TIn> rows, int limit, Func<TIn, Guid> id, Func<TIn, TOut> map) =>
        new(rows.Take(limit).Select(map).ToList(), rows.Count > limit ? id(rows[limit - 1]).ToString() : null);
}
