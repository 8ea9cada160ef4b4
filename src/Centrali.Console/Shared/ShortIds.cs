using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Centrali.Console.Shared;

/// <summary>
/// The short id the console shows for a delivery, event or record: the last 8 hex digits of its id (the random tail, so
/// neighbours differ). The database keeps it beside the id, as a generated column, and indexes it: the log's search finds an
/// id by its short form with an index lookup, and no insert, raw or through EF Core, has to fill it.
/// </summary>
public static class ShortIds
{
    public const int Length = 8;
    /// <summary>The short form of the row's own id (deliveries and events).</summary>
    public const string Column = "ShortId";
    /// <summary>The short form of an event's record id.</summary>
    public const string RecordColumn = "RecordShortId";

    public static bool IsShortId(string text) => text.Length == Length && text.All(char.IsAsciiHexDigit);

    /// <summary>A generated, indexed column holding the short form of <paramref name="idColumn"/> (null while the id is null).</summary>
    /// <remarks>
    /// One expression for both databases: SQLite keeps ids as upper-case text and PostgreSQL as uuid, and in both the text
    /// form has 36 characters, the last 8 from the 29th. PostgreSQL's is stored (see <see cref="Data.PostgresAppDbContext"/>).
    /// </remarks>
    public static void Add<T>(EntityTypeBuilder<T> b, string name, string idColumn) where T : class
    {
        b.Property<string>(name).HasMaxLength(Length).IsRequired(false)
            .HasComputedColumnSql($"lower(substr(CAST(\"{idColumn}\" AS TEXT), 29))", stored: false);
        b.HasIndex(name);
    }

    public static IQueryable<T> WithShortId<T>(this IQueryable<T> rows, string column, string shortId) where T : class =>
        rows.Where(r => EF.Property<string?>(r, column) == shortId);
}
