namespace Centrali.Console.Workspaces;

public static class WorkspacesSetup
{
    public static IServiceCollection AddWorkspaces(this IServiceCollection services)
    {
        services.AddScoped<WorkspaceService>();
        services.AddScoped<MembershipService>();
        services.AddScoped<CurrentWorkspace>();
        return services;
    }
}
