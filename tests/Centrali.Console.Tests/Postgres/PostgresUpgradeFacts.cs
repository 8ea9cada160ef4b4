using System.Security.Cryptography;
using Centrali.Console.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Centrali.Console.Tests.Postgres;

/// <summary>A PostgreSQL database of the version before workspace roles upgrades without locking anyone out.</summary>
[Trait("Category", "Postgres")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresUpgradeFacts(PostgresCluster cluster)
{
    const string OldToken = "cct_made_before_tokens_had_owners_pg_0123";
    /// <summary>The last migration before AccessControl (memberships, token owners and scopes, the audit log).</summary>
    const string BeforeAccessControl = "20261201121529_LogSearch";

    [Fact]
    public async Task EveryExistingUser_KeepsTheirAccessToEveryWorkspace_AndOldTokensBelongToTheFirstAdmin()
    {
        var folder = Path.Combine(Path.GetTempPath(), "centrali-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        // The name ConsoleApp gives the database of this folder, so the app starts on the old one.
        var connectionString = await cluster.CreateDatabaseAsync("t_" + Path.GetFileName(folder));
        await CreateOldDatabaseAsync(connectionString);

        PostgresCluster.Current.Value = cluster;
        await using var app = new ConsoleApp(folder: folder);

        await using (var scope = app.Scope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            Assert.Contains("20261201123430_AccessControl", await db.Database.GetAppliedMigrationsAsync());
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var members = scope.ServiceProvider.GetRequiredService<MembershipService>();
            foreach (var email in new[] { ConsoleApp.AdminEmail, "second-admin@example.com", "member@example.com" })
            {
                var user = await users.FindByEmailAsync(email);
                var mine = await members.WorkspacesOfAsync(user!.Id);
                Assert.Equal([("acme", WorkspaceRole.Owner), ("default", WorkspaceRole.Owner)], mine.Select(m => (m.Workspace.Slug, m.Role)));
            }
        }
        var whoami = await (await app.Api(OldToken).GetAsync("/data/workspace/acme/api/v1/whoami")).ReadJsonAsync();
        Assert.Equal("owner", (string?)whoami["data"]!["role"]);
        var tokens = await (await app.Api(OldToken).GetAsync("/data/workspace/acme/api/v1/tokens")).ReadJsonAsync();
        var old = tokens["data"]!.AsArray().Single(t => (string?)t!["name"] == "old script")!;
        Assert.Equal(ConsoleApp.AdminEmail, (string?)old["owner"]);
        Assert.Equal("write", (string?)old["scope"]);
        // The member logs in with the password they had and opens the console.
        var (client, login) = await app.LoginAsync("member@example.com", ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/collections")).StatusCode);
    }

    /// <summary>The schema up to the migration before AccessControl, with rows that version wrote: two workspaces, two admins, a member, an ownerless token.</summary>
    static async Task CreateOldDatabaseAsync(string connectionString)
    {
        await using (var db = new PostgresAppDbContext(new DbContextOptionsBuilder<PostgresAppDbContext>().UseNpgsql(connectionString).Options))
            await db.GetService<IMigrator>().MigrateAsync(BeforeAccessControl);

        var hasher = new PasswordHasher<ConsoleUser>();
        var (defaultId, acmeId) = (Guid.NewGuid(), Guid.NewGuid());
        var sql = new StringBuilder($"""
            INSERT INTO "Workspaces" ("Id", "Slug", "Name", "CreatedAt") VALUES ('{defaultId}', 'default', 'default', '2026-11-20 10:00:00+00'), ('{acmeId}', 'acme', 'Acme', '2026-11-21 10:00:00+00');
            INSERT INTO "AspNetRoles" ("Id", "Name", "NormalizedName") VALUES ('r-admin', 'Admin', 'ADMIN'), ('r-member', 'Member', 'MEMBER');
            INSERT INTO "ApiTokens" ("Id", "WorkspaceId", "Name", "Hash", "Hint", "CreatedAt") VALUES ('{Guid.NewGuid()}', '{acmeId}', 'old script',
                '{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OldToken)))}', '{TokenService.Hint(OldToken)}', '2026-11-22 10:00:00+00');
            """);
        foreach (var (id, email, role, created) in new[]
        {
            ("u-second", "second-admin@example.com", "r-admin", "2026-11-21 09:00:00+00"),
            ("u-admin", ConsoleApp.AdminEmail, "r-admin", "2026-11-20 10:00:00+00"),
            ("u-member", "member@example.com", "r-member", "2026-11-21 11:00:00+00"),
        })
        {
            var hash = hasher.HashPassword(new ConsoleUser(), ConsoleApp.AdminPassword);
            sql.Append($"""
                INSERT INTO "AspNetUsers" ("Id", "CreatedAt", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PasswordHash", "SecurityStamp", "ConcurrencyStamp",
                    "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount")
                VALUES ('{id}', '{created}', '{email}', '{email.ToUpperInvariant()}', '{email}', '{email.ToUpperInvariant()}', true, '{hash}', '{Guid.NewGuid():N}', '{Guid.NewGuid()}', false, false, true, 0);
                INSERT INTO "AspNetUserRoles" ("UserId", "RoleId") VALUES ('{id}', '{role}');
                """);
        }
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.ToString(), connection);
        await command.ExecuteNonQueryAsync();
    }
}
