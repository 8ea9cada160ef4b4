using Centrali.Console.Api;
using Centrali.Console.Audit;
using Centrali.Console.Auth;
using Centrali.Console.Collections;
using Centrali.Console.Data;
using Centrali.Console.Operations.Alerts;
using Centrali.Console.Realtime;
using Centrali.Console.Records;
using Centrali.Console.Shared;
using Centrali.Console.Webhooks;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Dispatch;
using Centrali.Console.Webhooks.Subscriptions;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Centrali.Console;

/// <summary>The product's features: each registers its service and maps its API here.</summary>
public static class Features
{
    public static IServiceCollection AddFeatures(this IServiceCollection services, IConfiguration config, IWebHostEnvironment env)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddApiDocs();
        services.AddHttpContextAccessor();
        services.AddScoped<AuditLog>();
        services.AddScoped<ClientAddress>();
        services.AddHostedService<AuditRetention>();
        services.AddScoped<WorkspaceService>();
        services.AddScoped<MembershipService>();
        services.AddScoped<CurrentWorkspace>();
        // Keys live in the database: a restarted or moved container with the same database still decrypts secrets.
        services.AddDataProtection().PersistKeysToDbContext<AppDbContext>().SetApplicationName("Centrali.Console")
            .ProtectKeysWithConfiguredCertificate(config);
        services.AddDeliveries(config, env);
        services.AddRealtime(config);
        services.Configure<RecordOptions>(config.GetSection("Records"));
        services.AddSingleton<Idempotency>();
        services.AddScoped<CollectionService>();
        services.AddSingleton<CollectionIds>();
        services.AddScoped<RecordService>();
        // The same Webhooks:AllowPrivateNetworks the sender obeys at connect time (default: true only in Development).
        services.AddSingleton(sp => new UrlGuard(sp.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateNetworks == true));
        services.AddScoped<SubscriptionService>();
        services.AddHostedService<PreviousSecretErasure>();
        return services;
    }

    public static WebApplication MapFeatureApis(this WebApplication app)
    {
        var api = app.MapWorkspaceApi();
        api.MapGet("/whoami", (HttpContext http) => TypedResults.Ok(new One<WhoAmI>(new WhoAmI(
            http.WorkspaceSlug(), http.User.FindFirst(ApiTokenAuthentication.TokenHintClaim)!.Value, http.WorkspaceRoleOf(), http.TokenScopeOf()))))
            .Doc("Check a token", "The workspace the token belongs to, the token's hint, its owner's role in the workspace and the token's scope: the cheapest call that proves a token works.",
                response: """{"data":{"workspace":"default","tokenHint":"cct_…x7Qa","role":"owner","scope":"write"}}""");
        api.MapTokensApi();
        api.MapMembersApi();
        api.MapAuditApi();
        api.MapSubscriptionsApi();
        api.MapCollectionsApi();
        api.MapRecordsApi();
        api.MapDeliveriesApi();
        api.MapSettingsApi();
        // The older webhooks guide's routes: same services, same tokens, same checks.
        app.MapWorkspaceApi(ApiEndpoints.OlderBase).MapOlderWebhooksApi();
        app.MapConsoleExport();
        app.MapRealtime();
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

public sealed record WhoAmI(string Workspace, string TokenHint, string Role, string Scope);
