using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Webhooks.Subscriptions;

namespace Centrali.Console.Operations.Alerts;

/// <summary>A workspace's operator settings as read; <see cref="OperatorWebhookSecret"/> only in the answer that generated it.</summary>
public sealed record SettingsView(string? OperatorWebhookUrl, string? OperatorWebhookSecretHint, DateTime? UpdatedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OperatorWebhookSecret { get; init; }
}

/// <summary>The body of <c>PATCH /settings</c>: a URL sets the operator webhook, "" or null removes it.</summary>
public sealed record SettingsInput(string? OperatorWebhookUrl, bool RotateSecret = false);

public sealed record NotificationView(Guid Id, string Type, string Message, Guid? SubscriptionId, Guid? DeliveryId, DateTime CreatedAt, DateTime? ReadAt, DateTime? SentAt, string? SendError);

/// <summary>Operator settings and the bell's notifications, for the Settings page, the bell and the API alike.</summary>
public sealed class OperatorService(IDbContextFactory<AppDbContext> dbs, SubscriptionSecrets secrets, UrlGuard urls, TimeProvider time)
{
    public async Task<SettingsView> GetSettingsAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var s = await db.OperatorSettings.AsNoTracking().FirstOrDefaultAsync(x => x.WorkspaceId == workspaceId, ct);
        return new SettingsView(s?.OperatorWebhookUrl, s?.SecretHint, s?.UpdatedAt);
    }

    /// <summary>
    /// Sets or removes the operator webhook. A first URL (or <c>rotateSecret</c>) generates its secret, answered only here.
    /// The caller's <paramref name="audit"/> (scoped to its request or circuit) records who changed it.
    /// </summary>
    public async Task<SettingsView> UpdateSettingsAsync(Guid workspaceId, SettingsInput input, Audit.AuditLog audit, CancellationToken ct = default)
    {
        var url = string.IsNullOrWhiteSpace(input.OperatorWebhookUrl) ? null : input.OperatorWebhookUrl.Trim();
        if (url is not null)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw ServiceException.Invalid("operatorWebhookUrl", "operatorWebhookUrl must be an absolute http or https URL.");
            if (await urls.RefusalAsync(uri, ct) is { } refusal) throw ServiceException.Invalid("operatorWebhookUrl", refusal);
        }
        await using var db = await dbs.CreateDbContextAsync(ct);
        var s = await db.OperatorSettings.FirstOrDefaultAsync(x => x.WorkspaceId == workspaceId, ct);
        if (s is null) db.OperatorSettings.Add(s = new OperatorSettings { WorkspaceId = workspaceId });
        string? secret = null;
        if (url is not null && (s.SecretCipher is null || input.RotateSecret))
        {
            secret = SubscriptionSecrets.Generate();
            s.SecretCipher = secrets.Protect(secret);
            s.SecretHint = SubscriptionSecrets.Hint(secret);
        }
        if (url is null) (s.SecretCipher, s.SecretHint) = (null, null);
        var oldUrl = s.OperatorWebhookUrl;
        s.OperatorWebhookUrl = url;
        s.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        await audit.RecordAsync(workspaceId, Audit.AuditActions.OperatorWebhookChanged, url ?? oldUrl,
            new { oldUrl, newUrl = url, secretGenerated = secret is not null, secretHint = s.SecretHint }, ct);
        return new SettingsView(s.OperatorWebhookUrl, s.SecretHint, s.UpdatedAt) { OperatorWebhookSecret = secret };
    }

    public async Task<List<NotificationView>> NotificationsAsync(Guid workspaceId, int take = 20, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.OperatorNotifications.AsNoTracking().Where(n => n.WorkspaceId == workspaceId).OrderByDescending(n => n.Id).Take(take)
            .Select(n => new NotificationView(n.Id, n.Type, n.Message, n.SubscriptionId, n.DeliveryId, n.CreatedAt, n.ReadAt, n.SentAt, n.SendError))
            .ToListAsync(ct);
    }

    public async Task<int> UnreadAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        return await db.OperatorNotifications.CountAsync(n => n.WorkspaceId == workspaceId && n.ReadAt == null, ct);
    }

    public async Task MarkAllReadAsync(Guid workspaceId, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        await db.OperatorNotifications.Where(n => n.WorkspaceId == workspaceId && n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), ct);
    }
}
