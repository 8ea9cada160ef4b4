using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Centrali.Console.Tests.Data;

/// <summary>The storage settings survive reuse: pooled contexts and pooled native SQLite connections.</summary>
public sealed class StorageFacts
{
    [Fact]
    public async Task APooledContext_StillRunsEverySaveChangesInATransaction()
    {
        await using var app = new ConsoleApp();
        var contexts = app.Service<IDbContextFactory<AppDbContext>>();
        Assert.IsType<PooledDbContextFactory<AppDbContext>>(contexts);
        var seen = new HashSet<AppDbContext>(ReferenceEqualityComparer.Instance);
        for (var rent = 0; rent < 20; rent++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            // The write gate needs BEGIN..COMMIT around every SaveChanges, whatever the last renter set.
            Assert.Equal(AutoTransactionBehavior.Always, db.Database.AutoTransactionBehavior);
            db.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
            seen.Add(db);
        }
        // Fewer instances than rents: the pool handed contexts back.
        Assert.True(seen.Count < 20, $"{seen.Count} contexts for 20 rents");
    }

    [Fact]
    public async Task EveryOpen_EvenOfAReusedNativeConnection_HasTheBusyTimeoutAndForeignKeys()
    {
        await using var app = new ConsoleApp();
        var contexts = app.Service<IDbContextFactory<AppDbContext>>();
        for (var open = 0; open < 3; open++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            Assert.Equal(10000, await Pragma(db, "busy_timeout"));
            Assert.Equal(1, await Pragma(db, "foreign_keys"));
            Assert.Equal(1, await Pragma(db, "synchronous"));
        }
    }

    static async Task<long> Pragma(AppDbContext db, string name)
    {
        // A pragma name cannot be a parameter; these are the test's own constants.
        var sql = "SELECT * FROM pragma_" + name;
        return (await db.Database.SqlQueryRaw<long>(sql).ToListAsync()).Single();
    }
}
