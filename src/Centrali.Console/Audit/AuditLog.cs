using System.Security.Claims;
using Centrali.Console.Api;
using Microsoft.AspNetCore.Components.Authorization;

namespace Centrali.Console.Audit;

public sealed record AuditView(Guid Id, Guid? WorkspaceId, DateTime At, string Actor, string Action, string? Target, JsonElement? Details, string? Ip);

/// <summary>The audit page's and GET /audit's filters; each is optional.</summary>
public sealed record AuditFilter(string? Action = null, string? Actor = null, DateTime? Since = null, DateTime? Until = null);

/// <summary>Who is acting in this request or console circuit, and from which address.</summary>
public sealed record AuditActor(string Name, string? UserId, string? Ip);

/// <summary>The names of what the audit log records (<see cref="AuditEntry.Action"/>).</summary>
public static class AuditActions
{
    public const string LoginSucceeded = "login.succeeded";
    public const string LoginFailed = "login.failed";
    public const string PasswordChanged = "user.password_changed";
    public const string SignedOutEverywhere = "user.signed_out_everywhere";
    public const string TwoFactorEnabled = "user.two_factor_enabled";
    public const string TwoFactorDisabled = "user.two_factor_disabled";
    public const string RecoveryCodesRenewed = "user.recovery_codes_renewed";
    public const string UserCreated = "user.created";
    public const string UserDeleted = "user.deleted";
    public const string WorkspaceCreated = "workspace.created";
    public const string MemberAdded = "member.added";
    public const string MemberRoleChanged = "member.role_changed";
    public const string MemberRemoved = "member.removed";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string SubscriptionCreated = "subscription.created";
    public const string SubscriptionUpdated = "subscription.updated";
    public const string SubscriptionDeleted = "subscription.deleted";
    public const string SecretRotated = "subscription.secret_rotated";
    public const string DeliveryReplayed = "delivery.replayed";
    public const string DeliveryAttemptedNow = "delivery.attempted_now";
    public const string DeliveryCancelled = "delivery.cancelled";
    public const string DeliveriesBulkReplayed = "delivery.bulk_replayed";
    public const string DeliveriesBulkCancelled = "delivery.bulk_cancelled";
    public const string OperatorWebhookChanged = "settings.operator_webhook_changed";
    public const string DeliveriesRecovered = "subscription.recovered";
    public const string CollectionDeleted = "collection.deleted";
}

/// <summary>
/// Records who changed what, when and from where, for everything that matters to security or delivery. Features call
/// <see cref="RecordAsync(Guid?, string, string?, object?, CancellationToken)"/> after their change commits; the actor
/// (console user or API token) and IP come from the current request or circuit. Secrets and token values never enter it.
/// </summary>
public sealed class AuditLog(IDbContextFactory<AppDbContext> dbs, TimeProvider time, IHttpContextAccessor http, ClientAddress client, IServiceProvider services)
{
    /// <summary>Records an action by whoever is acting now.</summary>
    public async Task RecordAsync(Guid? workspaceId, string action, string? target, object? details = null, CancellationToken ct = default)
    {
        var actor = await CurrentActorAsync();
        await RecordAsync(workspaceId, actor.Name, action, target, details, actor.Ip, ct);
    }

    /// <summary>Records an action by a named actor (e.g. a login attempt, before anyone is signed in).</summary>
    public async Task RecordAsync(Guid? workspaceId, string actor, string action, string? target, object? details, string? ip, CancellationToken ct = default)
    {
        await using var db = await dbs.CreateDbContextAsync(ct);
        db.AuditEntries.Add(new AuditEntry
        {
            WorkspaceId = workspaceId,
            At = time.GetUtcNow().UtcDateTime,
            Actor = Cut(actor, 320),
            Action = action,
            Target = target is null ? null : Cut(target, 2100),
            Details = details is null ? null : JsonSerializer.Serialize(details, JsonSerializerOptions.Web),
            Ip = ip,
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Newest first, keyset-paged; <paramref name="workspaceId"/> null lists instance-wide entries too (admins).</summary>
    public async Task<Page<AuditView>> ListAsync(Guid? workspaceId, AuditFilter filter, int? limit = null, string? cursor = null, CancellationToken ct = default)
    {
        var take = Paging.Limit(limit);
        var before = Paging.Cursor(cursor);
        await using var db = await dbs.CreateDbContextAsync(ct);
        var query = db.AuditEntries.AsNoTracking();
        if (workspaceId is { } w) query = query.Where(e => e.WorkspaceId == w);
        if (filter.Action is { Length: > 0 } action)
            query = action.EndsWith('.') ? query.Where(e => e.Action.StartsWith(action)) : query.Where(e => e.Action == action);
        if (filter.Actor is { Length: > 0 } who) query = query.Where(e => e.Actor.Contains(who));
        if (filter.Since is { } since) query = query.Where(e => e.At >= since.ToUniversalTime());
        if (filter.Until is { } until) query = query.Where(e => e.At < until.ToUniversalTime());
        if (before is { } b) query = query.Where(e => e.Id.CompareTo(b) < 0);
        var rows = await query.OrderByDescending(e => e.Id).Take(take + 1).ToListAsync(ct);
        return Paging.ToPage(rows, take, e => e.Id, View);
    }

    /// <summary>Deletes entries older than <paramref name="before"/> (Retention:Audit), in batches that keep writes short.</summary>
    public async Task<int> PruneAsync(DateTime before, CancellationToken ct = default)
    {
        var total = 0;
        while (true)
        {
            await using var db = await dbs.CreateDbContextAsync(ct);
            var ids = await db.AuditEntries.Where(e => e.At < before).OrderBy(e => e.Id).Select(e => e.Id).Take(1000).ToListAsync(ct);
            if (ids.Count == 0) return total;
            total += await db.AuditEntries.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(ct);
        }
    }

    /// <summary>The console user (cookie or circuit) or the API token acting now; "system" for background work.</summary>
    public async Task<AuditActor> CurrentActorAsync()
    {
        var context = http.HttpContext;
        // In a console circuit there is no request of its own: the address is the one the page was opened from.
        var ip = client.Ip ?? context?.Connection.RemoteIpAddress?.ToString();
        var user = context?.User is { Identity.IsAuthenticated: true } u ? u : await CircuitUserAsync();
        if (user is null) return new AuditActor("system", null, ip);
        if (user.FindFirstValue(TokenClaims.TokenHint) is { } hint)
        {
            var owner = user.FindFirstValue(TokenClaims.OwnerEmail);
            return new AuditActor(owner is null ? $"token {hint}" : $"{owner} (token {hint})", user.FindFirstValue(TokenClaims.OwnerId), ip);
        }
        return new AuditActor(user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "console user", user.FindFirstValue(ClaimTypes.NameIdentifier), ip);
    }

    async Task<ClaimsPrincipal?> CircuitUserAsync()
    {
        if (services.GetService<AuthenticationStateProvider>() is not { } auth) return null;
        // Outside a console circuit (a background job) there is no authentication state to ask.
        try { return (await auth.GetAuthenticationStateAsync()).User is { Identity.IsAuthenticated: true } u ? u : null; }
        catch (InvalidOperationException) { return null; }
    }

    static string Cut(string s, int max) => s.Length <= max ? s : s[..max];

    static AuditView View(AuditEntry e)
    {
        JsonElement? details = null;
        if (e.Details is { } d) { using var doc = JsonDocument.Parse(d); details = doc.RootElement.Clone(); }
        return new AuditView(e.Id, e.WorkspaceId, e.At, e.Actor, e.Action, e.Target, details, e.Ip);
    }
}
