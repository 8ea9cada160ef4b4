using Centrali.Console.Audit;
using Centrali.Console.Auth;
using Centrali.Console.Collections;
using Centrali.Console.Records;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Subscriptions;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Centrali.Console.Data;

/// <summary>The app's data on SQLite (this class, Migrations/) or PostgreSQL (<see cref="PostgresAppDbContext"/>, Migrations/Postgres/).</summary>
public class AppDbContext : IdentityDbContext<ConsoleUser>, IDataProtectionKeyContext
{
    public AppDbContext(DbContextOptions<AppDbContext> options) : this((DbContextOptions)options)
    {
    }

    protected AppDbContext(DbContextOptions options) : base(options)
    {
        // Every SaveChanges in a transaction, so SQLite's write gate sees each write from BEGIN to COMMIT.
        Database.AutoTransactionBehavior = AutoTransactionBehavior.Always;
    }

    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<WorkspaceMember> WorkspaceMembers => Set<WorkspaceMember>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<Collection> Collections => Set<Collection>();
    public DbSet<Record> Records => Set<Record>();
    public DbSet<IdempotentResponse> IdempotentResponses => Set<IdempotentResponse>();
    public DbSet<Subscription> Subscriptions => Set<Subscription>();
    public DbSet<WebhookEvent> Events => Set<WebhookEvent>();
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    public DbSet<Attempt> Attempts => Set<Attempt>();
    public DbSet<Circuit> Circuits => Set<Circuit>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Operations.Alerts.EndpointHealth> EndpointHealth => Set<Operations.Alerts.EndpointHealth>();
    public DbSet<Operations.Alerts.OperatorNotification> OperatorNotifications => Set<Operations.Alerts.OperatorNotification>();
    public DbSet<Operations.Alerts.OperatorSettings> OperatorSettings => Set<Operations.Alerts.OperatorSettings>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        // Every stored time is UTC; reading it back must say so, or JSON loses the 'Z'.
        builder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        builder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
    }
}

internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

/// <summary>
/// For `dotnet ef migrations add … --context AppDbContext`: without a factory of its own, EF would take the (covariant)
/// Postgres factory for this context too and write PostgreSQL migrations into Migrations/.
/// </summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
