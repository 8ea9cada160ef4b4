using Centrali.Console.Api;

namespace Centrali.Console.Operations.Alerts;

public static class SettingsApi
{
    public static RouteGroupBuilder MapSettingsApi(this RouteGroupBuilder api)
    {
        var settings = api.MapGroup("/settings").WithTags("Settings");

        settings.MapGet("", async (HttpContext http, OperatorService service, CancellationToken ct) =>
            TypedResults.Ok(new One<SettingsView>(await service.GetSettingsAsync(http.WorkspaceId(), ct))))
            .Doc("Read the workspace's settings", "The operator webhook: where the workspace's operational events are sent, and its secret's hint.",
                response: """{"data":{"operatorWebhookUrl":"https://ops.example.com/centrali","operatorWebhookSecretHint":"whsec_…8KcQ","updatedAt":"2026-12-01T10:00:00Z"}}""");

        settings.MapPatch("", async (HttpContext http, OperatorService service, Audit.AuditLog audit, SettingsInput body, CancellationToken ct) =>
            TypedResults.Ok(new One<SettingsView>(await service.UpdateSettingsAsync(http.WorkspaceId(), body, audit, ct))))
            .RequireWorkspaceRole(WorkspaceRole.Owner)
            .Doc("Change the workspace's settings", """
                Owners only. Sets the operator webhook (`operatorWebhookUrl`; "" or null removes it). The first URL, or `"rotateSecret": true`, generates
                its secret, answered once in `data.operatorWebhookSecret`. Operational events are POSTed to it as
                `{"type", "workspaceSlug", "timestamp", "message", "data"}`, signed like deliveries (`X-Signature` and the Standard Webhooks
                headers, with this secret): `subscription.failing` (after `Webhooks:FailingAfter` consecutive failed attempts),
                `subscription.disabled` (failing continuously for `Webhooks:DisableAfter`, default 5 days: set inactive),
                `delivery.exhausted` (a delivery ended failed) and `subscription.recovered`. They are retried a few times by the job
                server and never cause further operational events.
                """, errors: [400],
                request: """{"operatorWebhookUrl":"https://ops.example.com/centrali"}""",
                response: """{"data":{"operatorWebhookUrl":"https://ops.example.com/centrali","operatorWebhookSecretHint":"whsec_…8KcQ","updatedAt":"2026-12-01T10:00:00Z","operatorWebhookSecret":"whsec_Yc2kP0sV7nQ4mR9tL1wX6bH3jD8fA5gE2uZ0iO7q8KcQ"}}""");
        return api;
    }
}
