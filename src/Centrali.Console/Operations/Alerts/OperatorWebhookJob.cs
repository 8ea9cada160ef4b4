using System.ComponentModel;
using Centrali.Console.Webhooks.Dispatch;
using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Workspaces;
using Hangfire;

namespace Centrali.Console.Operations.Alerts;

/// <summary>
/// Sends one operational event to the workspace's operator webhook, signed as deliveries are (<c>X-Signature</c> and the
/// Standard Webhooks headers, with the operator secret). It is a job of its own, not a delivery: nothing it does is an
/// attempt of a subscription, so an operational webhook never causes another. Hangfire retries it a few times.
/// </summary>
public sealed class OperatorWebhookJob(IDbContextFactory<AppDbContext> dbs, DeliverySender sender, SubscriptionSecrets secrets, TimeProvider time)
{
    [AutomaticRetry(Attempts = 4, DelaysInSeconds = [10, 60, 300, 1800])]
    [DisplayName("Operator webhook: notification {0}")]
    public async Task SendAsync(Guid notificationId)
    {
        await using var db = await dbs.CreateDbContextAsync();
        var n = await db.OperatorNotifications.FirstOrDefaultAsync(x => x.Id == notificationId);
        if (n is null || n.SentAt is not null) return;
        var settings = await db.OperatorSettings.AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == n.WorkspaceId);
        if (settings?.OperatorWebhookUrl is not { Length: > 0 } url || settings.SecretCipher is null) return;
        var workspace = await db.Workspaces.AsNoTracking().FirstAsync(w => w.Id == n.WorkspaceId);

        var body = Body(n, workspace);
        var result = await sender.SendAsync(new SendRequest(n.Id, n.Id, n.Type, url, body, SignatureScheme.Default, secrets.Unprotect(settings.SecretCipher), null));
        n.SentAt = result.Succeeded ? time.GetUtcNow().UtcDateTime : null;
        n.SendError = result.Succeeded ? null : result.Error ?? $"HTTP {result.StatusCode}";
        await db.SaveChangesAsync();
        // Failing the job hands it to Hangfire's retries.
        if (!result.Succeeded) throw new InvalidOperationException($"The operator webhook answered {n.SendError}.");
    }

    /// <summary>The wire body: <c>{"type", "workspaceSlug", "timestamp", "message", "data"}</c>.</summary>
    public static byte[] Body(OperatorNotification n, Workspace workspace)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", n.Type);
            w.WriteString("workspaceSlug", workspace.Slug);
            w.WriteString("timestamp", n.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"));
            w.WriteString("message", n.Message);
            w.WritePropertyName("data");
            w.WriteRawValue(n.Data);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
