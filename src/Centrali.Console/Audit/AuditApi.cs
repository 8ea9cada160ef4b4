using Centrali.Console.Api;

namespace Centrali.Console.Audit;

public static class AuditApi
{
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddScoped<AuditLog>();
        services.AddScoped<ClientAddress>();
        services.AddHostedService<AuditRetention>();
        return services;
    }

    /// <summary>GET /audit for owners: the workspace's entries, newest first, filtered by action (or prefix like "token."), actor and time.</summary>
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (HttpContext http, AuditLog audit, string? action, string? actor, DateTime? since, DateTime? until,
                int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await audit.ListAsync(http.WorkspaceId(), new AuditFilter(action, actor, since, until), limit, cursor, ct)))
            .WithTags("Audit")
            .RequireWorkspaceRole(WorkspaceRole.Owner)
            .Doc("Read the audit log", "Owners only (either token scope). Newest first: who (user, or user and token hint), when, what, its target, details (e.g. a subscription's old and new URL) and the caller's IP. Filters: `action` (exact, or a prefix ending in a dot such as `token.`), `actor` (contains), `since`, `until`. Never contains a secret or token value. Kept for `Retention:Audit` (90 days).",
                errors: [400],
                response: """{"data":[{"id":"0193a1b2-…","workspaceId":"0193a0f0-…","at":"2026-12-01T09:40:00Z","actor":"admin@example.com (token cct_…x7Qa)","action":"subscription.updated","target":"orders","details":{"oldUrl":"https://a.example.com/hook","newUrl":"https://b.example.com/hook"},"ip":"203.0.113.7"}],"nextCursor":null}""");
        return api;
    }
}
