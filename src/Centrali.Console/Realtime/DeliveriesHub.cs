using System.Security.Claims;
using Centrali.Console.Api;
using Centrali.Console.Auth;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;

namespace Centrali.Console.Realtime;

/// <summary>
/// /hubs/deliveries: console users (cookie) and API tokens (bearer, or ?access_token= on WebSockets) receive
/// `deliveryChanged` for their own workspace only: a console user only for a workspace they are a member of. A connection
/// whose token dies (revoked, expired, owner demoted) or whose user leaves the workspace is closed within seconds.
/// A client's start returns at the handshake, before the connection has joined its workspace: invoking
/// <see cref="Following"/> answers only after it has, so a script that must not miss a change awaits it first.
/// </summary>
[Authorize(AuthenticationSchemes = $"{TokenClaims.Scheme},Identity.Application")]
public sealed class DeliveriesHub(UserManager<ConsoleUser> users, MembershipService members, RevocableConnections connections) : Hub
{
    public const string Path = "/hubs/deliveries";
    public const string Message = "deliveryChanged";

    public static string Group(Guid workspaceId) => $"workspace:{workspaceId}";

    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        var context = Context;
        if (user.FindFirstValue(TokenClaims.WorkspaceId) is { } tokenWorkspace)
        {
            var workspaceId = Guid.Parse(tokenWorkspace);
            connections.AddToken(context.ConnectionId, workspaceId, Guid.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier)!), context.Abort);
            await Groups.AddToGroupAsync(context.ConnectionId, Group(workspaceId));
            context.Items[FollowedKey] = workspaceId;
        }
        else if (await users.GetUserAsync(user) is { } consoleUser)
        {
            // A console user follows the workspace chosen in the switcher (or the query's ?workspace=slug), among their own.
            var slug = context.GetHttpContext()?.Request.Query["workspace"].ToString();
            var mine = await members.WorkspacesOfAsync(consoleUser.Id);
            var chosen = (mine.FirstOrDefault(m => m.Workspace.Slug == slug)
                ?? mine.FirstOrDefault(m => m.Workspace.Id == consoleUser.CurrentWorkspaceId)
                ?? mine.FirstOrDefault())?.Workspace;
            if (chosen is not null)
            {
                connections.AddUser(context.ConnectionId, chosen.Id, consoleUser.Id, context.Abort);
                await Groups.AddToGroupAsync(context.ConnectionId, Group(chosen.Id));
                context.Items[FollowedKey] = chosen.Id;
            }
        }
        await base.OnConnectedAsync();
    }

    /// <summary>The id of the workspace whose changes this connection receives (none: no workspace of its own).</summary>
    public Guid? Following() => Context.Items.TryGetValue(FollowedKey, out var id) ? (Guid?)id : null;

    const string FollowedKey = "workspace";

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        connections.Remove(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>Relays the notifier's changes to the hub's workspace groups.</summary>
internal sealed class DeliveriesHubRelay(DeliveryNotifier notifier, IHubContext<DeliveriesHub> hub) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        notifier.Changed += RelayAsync;
        return Task.CompletedTask;
    }

    // The message is the state itself, sent as what it is: its fields are what hub clients read (the workspace is not on the wire).
    Task RelayAsync(DeliveryState change) =>
        hub.Clients.Group(DeliveriesHub.Group(change.WorkspaceId)).SendAsync(DeliveriesHub.Message, change);

    public Task StopAsync(CancellationToken cancellationToken)
    {
        notifier.Changed -= RelayAsync;
        return Task.CompletedTask;
    }
}

public static class RealtimeSetup
{
    public static IServiceCollection AddRealtime(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton<DeliveryNotifier>();
        services.AddSignalR();
        services.AddHostedService<DeliveriesHubRelay>();
        // Scale-out: pages and hub clients on every instance see the changes any instance makes.
        if (DatabaseSetup.IsPostgres(config))
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<PostgresChangeFeed>(sp, DatabaseSetup.PostgresConnectionString(config)));
        return services;
    }

    public static WebApplication MapRealtime(this WebApplication app)
    {
        app.MapHub<DeliveriesHub>(DeliveriesHub.Path);
        return app;
    }
}
