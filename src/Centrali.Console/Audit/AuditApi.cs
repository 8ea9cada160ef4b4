using Centrali.Console.Api;
using Centrali.Console.Workspaces;

namespace Centrali.Console.Audit;

public static class AuditApi
{
    /// <summary>GET /audit for owners: the workspace's entries, newest first, filtered by action (or prefix like "token."), actor and time.</summary>
    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (HttpContext http, AuditLog audit, string? action, string? actor, DateTime? since, DateTime? until,
                int? limit, string? cursor, CancellationToken ct) =>
            TypedResults.Ok(await audit.ListAsync(http.WorkspaceId(), new AuditFilter(action, actor, since, until), limit, cursor, ct)))
            .WithTags("Audit")
            .RequireWorkspaceRole(WorkspaceRole.Owner);
        return api;
    }
}
