using System.Data.Common;

namespace Centrali.Console.Shared;

/// <summary>
/// The few ways the plain SQL of the hot paths (the dispatcher, record creates) differs between SQLite and PostgreSQL. Values are written the way EF Core
/// stores them on each (SQLite: GUIDs as upper-case TEXT, times as "yyyy-MM-dd HH:mm:ss.FFFFFFF"), so EF reads them back.
/// </summary>
public sealed class SqlDialect(bool postgres)
{
    const string SqliteTime = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    public bool Postgres => postgres;

    /// <summary>Appended to a claim's inner SELECT: instances skip each other's locked rows instead of waiting on them.</summary>
    public string SkipLocked => postgres ? " FOR UPDATE SKIP LOCKED" : "";

    public object Value(Guid id) => postgres ? id : id.ToString().ToUpperInvariant();

    public object Value(Guid? id) => id is { } v ? Value(v) : DBNull.Value;

    public object Value(DateTime t) => postgres ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToString(SqliteTime, CultureInfo.InvariantCulture);

    public object Value(DateTime? t) => t is { } v ? Value(v) : DBNull.Value;

    public static object Value(string? s) => s is null ? DBNull.Value : s;

    /// <summary>A LIKE pattern matching any text that contains <paramref name="text"/>, with <c>\</c> as its escape character.</summary>
    public static string Containing(string text) => "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";

    public static object Value(int? n) => n is { } v ? v : DBNull.Value;

    public Guid Guid(DbDataReader r, int i) => postgres ? r.GetGuid(i) : System.Guid.Parse(r.GetString(i));

    public Guid? NullableGuid(DbDataReader r, int i) => r.IsDBNull(i) ? null : Guid(r, i);

    public DateTime Time(DbDataReader r, int i) => postgres
        ? DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc)
        : DateTime.SpecifyKind(DateTime.ParseExact(r.GetString(i), SqliteTime, CultureInfo.InvariantCulture), DateTimeKind.Utc);

    public static DbParameter Add(DbCommand command, string name, object value)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        command.Parameters.Add(p);
        return p;
    }

    /// <summary>"@p0, @p1, …" for an IN list, with the values added to the command.</summary>
    public string InList(DbCommand command, IEnumerable<Guid> ids, string prefix = "id")
    {
        var names = new List<string>();
        foreach (var id in ids)
        {
            var name = $"@{prefix}{names.Count}";
            Add(command, name, Value(id));
            names.Add(name);
        }
        return string.Join(", ", names);
    }
}
