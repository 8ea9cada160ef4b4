using System.Security.Cryptography;
using Centrali.Console.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Centrali.Console.Tests.Data;

/// <summary>A database made by the first version (before workspace roles) upgrades without locking anyone out.</summary>
public sealed class UpgradeFacts
{
    const string OldToken = "cct_made_before_tokens_had_owners_0123";

    [Fact]
    public async Task EveryExistingUser_KeepsTheirAccessToEveryWorkspace_AndOldTokensKeepWorking()
    {
        var folder = Path.Combine(Path.GetTempPath(), "centrali-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await CreateFirstVersionDatabaseAsync(Path.Combine(folder, "centrali.db"));

        await using var app = new ConsoleApp(folder: folder);

        await using (var scope = app.Scope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
            var members = scope.ServiceProvider.GetRequiredService<MembershipService>();
            foreach (var email in new[] { ConsoleApp.AdminEmail, "member@example.com" })
            {
                var user = await users.FindByEmailAsync(email);
                var mine = await members.WorkspacesOfAsync(user!.Id);
                Assert.Equal([("acme", WorkspaceRole.Owner), ("default", WorkspaceRole.Owner)], mine.Select(m => (m.Workspace.Slug, m.Role)));
            }
        }
        var whoami = await (await app.Api(OldToken).GetAsync("/data/workspace/acme/api/v1/whoami")).ReadJsonAsync();
        Assert.Equal("owner", (string?)whoami["data"]!["role"]);
        var tokens = await (await app.Api(OldToken).GetAsync("/data/workspace/acme/api/v1/tokens")).ReadJsonAsync();
        Assert.Equal(ConsoleApp.AdminEmail, (string?)tokens["data"]![0]!["owner"]);
        Assert.Equal("write", (string?)tokens["data"]![0]!["scope"]);
        // The member logs in as before and opens the console (no forced password change for an existing password).
        var (client, login) = await app.LoginAsync("member@example.com", ConsoleApp.AdminPassword);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/collections")).StatusCode);
    }

    /// <summary>The schema of the first migration, with the rows the first version wrote: two workspaces, an admin, a member, an ownerless token.</summary>
    static async Task CreateFirstVersionDatabaseAsync(string path)
    {
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={path}").Options))
            await db.GetService<IMigrator>().MigrateAsync("20261123175711_Initial");

        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        var hasher = new PasswordHasher<ConsoleUser>();
        var defaultId = Guid.NewGuid().ToString().ToUpperInvariant();
        var acmeId = Guid.NewGuid().ToString().ToUpperInvariant();
        var sql = new StringBuilder($"""
            INSERT INTO Workspaces (Id, Slug, Name, CreatedAt) VALUES ('{defaultId}', 'default', 'default', '2026-11-20 10:00:00'), ('{acmeId}', 'acme', 'Acme', '2026-11-21 10:00:00');
            INSERT INTO AspNetRoles (Id, Name, NormalizedName) VALUES ('r-admin', 'Admin', 'ADMIN'), ('r-member', 'Member', 'MEMBER');
            INSERT INTO ApiTokens (Id, WorkspaceId, Name, Hash, Hint, CreatedAt) VALUES ('{Guid.NewGuid().ToString().ToUpperInvariant()}', '{acmeId}', 'old script',
                '{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OldToken)))}', '{TokenService.Hint(OldToken)}', '2026-11-22 10:00:00');
            """);
        foreach (var (id, email, role, created) in new[] { ("u-admin", ConsoleApp.AdminEmail, "r-admin", "2026-11-20 10:00:00"), ("u-member", "member@example.com", "r-member", "2026-11-21 11:00:00") })
        {
            var hash = hasher.HashPassword(new ConsoleUser(), ConsoleApp.AdminPassword);
            sql.Append($"""
                INSERT INTO AspNetUsers (Id, CreatedAt, UserName, NormalizedUserName, Email, NormalizedEmail, EmailConfirmed, PasswordHash, SecurityStamp, ConcurrencyStamp,
                    PhoneNumberConfirmed, TwoFactorEnabled, LockoutEnabled, AccessFailedCount)
                VALUES ('{id}', '{created}', '{email}', '{email.ToUpperInvariant()}', '{email}', '{email.ToUpperInvariant()}', 1, '{hash}', '{Guid.NewGuid():N}', '{Guid.NewGuid()}', 0, 0, 1, 0);
                INSERT INTO AspNetUserRoles (UserId, RoleId) VALUES ('{id}', '{role}');
                """);
        }
        await using var command = connection.CreateCommand();
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync();
    }
}
