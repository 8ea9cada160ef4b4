using System.Security.Cryptography;
using Centrali.Console.Auth;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;

namespace Centrali.Console.Data;

/// <summary>Runs before the app serves: migrations, then the bootstrap workspace, admin and token.</summary>
public static class StartupTasks
{
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Centrali.Bootstrap");
        var db = sp.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode = WAL;");
        else
            await EnsureSharedKeyRingAsync(db, sp);

        var config = app.Configuration;
        var workspaceSlug = config["Bootstrap:Workspace"] is { Length: > 0 } s ? s : "default";
        var workspace = await sp.GetRequiredService<WorkspaceService>().EnsureAsync(workspaceSlug);
        var admin = await EnsureRolesAndAdminAsync(sp, config, workspace, log);

        // A bootstrap workspace nobody belongs to (the first start, or a new Bootstrap:Workspace) gets the bootstrap admin as owner.
        var members = sp.GetRequiredService<MembershipService>();
        if (!await members.HasMembersAsync(workspace.Id))
            await members.EnsureMemberAsync(workspace.Id, admin.Id, WorkspaceRole.Owner);

        if (config["Bootstrap:ApiToken"] is { Length: > 0 } token)
            await sp.GetRequiredService<TokenService>().EnsureAsync(workspace.Id, admin.Id, token, "bootstrap");
    }

    /// <summary>
    /// Scale-out: instances starting together on a new database would each create a Data Protection key of their own and
    /// could not read each other's secrets. One at a time (an advisory lock), the first creates the key and the others load it.
    /// </summary>
    static async Task EnsureSharedKeyRingAsync(AppDbContext db, IServiceProvider sp)
    {
        const long keyRingLock = 0x43656e7472616c69; // "Centrali"
        await db.Database.OpenConnectionAsync();
        try
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({keyRingLock})");
            // The first protect loads the key ring from the database, creating and storing the first key if there is none.
            sp.GetRequiredService<IDataProtectionProvider>().CreateProtector("Centrali.Startup").Protect("key ring");
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({keyRingLock})");
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The bootstrap admin: Bootstrap:AdminEmail (created on first start), else the earliest admin.</summary>
    static async Task<ConsoleUser> EnsureRolesAndAdminAsync(IServiceProvider sp, IConfiguration config, Workspace workspace, ILogger log)
    {
        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in new[] { Roles.Admin, Roles.Member })
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));

        var users = sp.GetRequiredService<UserManager<ConsoleUser>>();
        var email = config["Bootstrap:AdminEmail"] is { Length: > 0 } e ? e : "admin@localhost";
        if (await users.Users.AnyAsync())
            return await users.FindByEmailAsync(email)
                ?? (await users.GetUsersInRoleAsync(Roles.Admin)).OrderBy(u => u.CreatedAt).First();

        var password = config["Bootstrap:AdminPassword"];
        var generated = string.IsNullOrEmpty(password);
        if (generated)
            // Upper, lower and a digit whatever the random part holds: Identity's password rules must always pass.
            password = "Cc-7" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('+', 'x').Replace('/', 'y');

        // A generated password has been in the log: the first login must replace it.
        await sp.GetRequiredService<UserService>().CreateAsync(email, password!, Roles.Admin, workspace.Id, WorkspaceRole.Owner, mustChangePassword: generated);
        if (generated)
            log.LogWarning("Created the first console admin {Email} with the generated password {Password} — it is shown only this once and must be changed at the first login.", email, password);
        else
            log.LogInformation("Created the first console admin {Email}.", email);
        return (await users.FindByEmailAsync(email))!;
    }
}
