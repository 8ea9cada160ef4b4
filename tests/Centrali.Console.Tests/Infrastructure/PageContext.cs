using Bunit;
using Centrali.Console.Collections;
using Centrali.Console.Realtime;
using Centrali.Console.Records;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Subscriptions;
using Centrali.Console.Workspaces;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Infrastructure;

public static class PageContext
{
    /// <summary>
    /// A bUnit context whose pages use the real app's services (real SQLite), in the default workspace, seen by the
    /// bootstrap admin with <paramref name="role"/> (owner by default) as the layout would cascade it.
    /// </summary>
    public static async Task<(BunitContext Ui, Workspace Workspace)> PageContextAsync(this ConsoleApp app, string role = WorkspaceRole.Owner)
    {
        var scope = app.Scope();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var ui = new BunitContext();
        ui.JSInterop.Mode = JSRuntimeMode.Loose;
        ui.Services.AddMudServices();
        ui.Services.AddSingleton(TimeProvider.System);
        ui.Services.AddSingleton(scope.ServiceProvider.GetRequiredService<SubscriptionService>());
        ui.Services.AddSingleton(scope.ServiceProvider.GetRequiredService<DeliveryService>());
        ui.Services.AddSingleton(scope.ServiceProvider.GetRequiredService<CollectionService>());
        ui.Services.AddSingleton(scope.ServiceProvider.GetRequiredService<RecordService>());
        ui.Services.AddSingleton(app.Service<DeliveryNotifier>());
        ui.Services.AddSingleton(app.Service<CircuitBreaker>());
        ui.Services.AddSingleton(app.Service<Centrali.Console.Operations.OperationsFigures>());
        ui.Services.AddSingleton(app.Service<Microsoft.Extensions.Options.IOptions<Centrali.Console.Operations.RetentionOptions>>());
        ui.Services.AddSingleton(app.Service<Centrali.Console.Operations.Alerts.EndpointHealthService>());
        ui.Services.AddSingleton(app.Service<Centrali.Console.Operations.Alerts.OperatorService>());
        ui.Services.AddSingleton(app.Service<Centrali.Console.Operations.Alerts.OperatorFeed>());
        var access = new WorkspaceAccess(workspace, role, await app.AdminIdAsync(), IsAdmin: true);
        ui.Services.AddCascadingValue(_ => access);
        return (ui, workspace);
    }
}
