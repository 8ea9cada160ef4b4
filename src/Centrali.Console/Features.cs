using Centrali.Console.Api;
using Centrali.Console.Data;
using Centrali.Console.Webhooks.Delivery;
using Centrali.Console.Webhooks.Subscriptions;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console;

/// <summary>The product's features: each registers its service and maps its API here.</summary>
public static class Features
{
    public static IServiceCollection AddFeatures(this IServiceCollection services, IConfiguration config, IWebHostEnvironment env)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOpenApi();
        services.AddScoped<WorkspaceService>();
        services.AddScoped<CurrentWorkspace>();
        // Keys live in the database: a restarted or moved container with the same database still decrypts secrets.
        services.AddDataProtection().PersistKeysToDbContext<AppDbContext>().SetApplicationName("Centrali.Console");
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<CircuitBreaker>();
        services.AddSingleton<SubscriptionSecrets>();
        // Read when first needed, so test hosts' settings apply; Development allows local receivers by default.
        services.AddSingleton(sp => new UrlGuard(
            sp.GetRequiredService<IConfiguration>().GetValue<bool?>("Webhooks:AllowPrivateNetworks") ?? sp.GetRequiredService<IHostEnvironment>().IsDevelopment()));
        services.AddScoped<SubscriptionService>();
        return services;
    }

    public static WebApplication MapFeatureApis(this WebApplication app)
    {
        var api = app.MapWorkspaceApi();
        api.MapGet("/whoami", (HttpContext http) => TypedResults.Ok(new One<WhoAmI>(new WhoAmI(
            http.WorkspaceSlug(), http.User.FindFirst(Auth.ApiTokenAuthentication.TokenHintClaim)!.Value))));
        api.MapSubscriptionsApi();
        return app;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", async (IDbContextFactory<AppDbContext> dbs) =>
        {
            await using var db = await dbs.CreateDbContextAsync();
            return await db.Database.CanConnectAsync()
                ? Results.Ok(new { status = "healthy" })
                : Results.Problem(statusCode: 503, title: "The database is not reachable.");
        }).ExcludeFromDescription();
        return app;
    }
}

public sealed record WhoAmI(string Workspace, string TokenHint);
