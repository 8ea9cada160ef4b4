using Microsoft.EntityFrameworkCore.Design;

namespace Centrali.Console.Data;

/// <summary>
/// The same model on PostgreSQL (Database:Provider=Postgres). A type of its own so that its migrations
/// (Migrations/Postgres) are kept apart from SQLite's; everything else asks for <see cref="AppDbContext"/>.
/// </summary>
public sealed class PostgresAppDbContext : AppDbContext
{
    public PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : base(options)
    {
        // No write gate to feed here: PostgreSQL wraps a single statement in its own transaction.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.WhenNeeded;
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        // PostgreSQL (before 18) has stored generated columns only; SQLite adds a virtual one without rebuilding its table.
        foreach (var column in builder.Model.GetEntityTypes().SelectMany(t => t.GetProperties()).Where(p => p.GetComputedColumnSql() is not null))
            column.SetIsStored(true);
    }
}

/// <summary>For `dotnet ef migrations add … --context PostgresAppDbContext`: the model needs no server.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresAppDbContext>
{
    public PostgresAppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(DatabaseSetup.DesignTimePostgres).Options);
}
