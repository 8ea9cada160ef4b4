using System.Security.Claims;
using Centrali.Console.Auth;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;

namespace Centrali.Console.Workspaces;

/// <summary>The workspace a console user is looking at (one per circuit); every page scopes its data to it.</summary>
public sealed class CurrentWorkspace(AuthenticationStateProvider auth, UserManager<ConsoleUser> users, WorkspaceService workspaces, UserService userService, IConfiguration config)
{
    Workspace? current;

    public event Action? Changed;

    public async Task<Workspace> GetAsync()
    {
        if (current is not null) return current;
        var userId = (await auth.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        var all = await workspaces.ListAsync();
        // A user who never switched starts on the bootstrap workspace, not whichever sorts first.
        var bootstrap = config["Bootstrap:Workspace"] is { Length: > 0 } b ? b : "default";
        current = all.FirstOrDefault(w => w.Id == user?.CurrentWorkspaceId) ?? all.FirstOrDefault(w => w.Slug == bootstrap) ?? all.First();
        return current;
    }

    public async Task SwitchAsync(Guid workspaceId)
    {
        current = await workspaces.FindAsync(workspaceId) ?? throw new InvalidOperationException("No such workspace.");
        var userId = (await auth.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is not null) await userService.SetCurrentWorkspaceAsync(userId, workspaceId);
        Changed?.Invoke();
    }
}
