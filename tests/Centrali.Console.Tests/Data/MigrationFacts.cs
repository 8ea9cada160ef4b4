using Microsoft.Data.Sqlite;

namespace Centrali.Console.Tests.Data;

/// <summary>One committed migration set per provider, each up to date with the model: nothing is left for `migrations add`.</summary>
public sealed class MigrationFacts
{
    [Fact]
    public void SqliteMigrations_MatchTheModel()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(connection).Options);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public void PostgresMigrations_MatchTheModel()
    {
        // Comparing the model with the migrations' snapshot needs no server.
        using var db = new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=127.0.0.1;Database=centrali").Options);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.False(db.Database.HasPendingModelChanges());
    }

    [Fact]
    public void EachProvider_HasItsOwnMigrations()
    {
        using var sqlite = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=:memory:").Options);
        using var postgres = new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql("Host=127.0.0.1;Database=centrali").Options);
        Assert.Empty(sqlite.Database.GetMigrations().Intersect(postgres.Database.GetMigrations()));
    }
}
