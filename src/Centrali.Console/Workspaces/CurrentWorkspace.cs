using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;

namespace Centrali.Console.Workspaces;

/// <summary>
/// What the console user may do in the workspace they are looking at; cascaded by the layout to every page, so a page
/// asks <see cref="CanWrite"/> or wraps its buttons in &lt;RoleGate&gt; instead of working roles out itself.
/// </summary>
public sealed record WorkspaceAccess(Workspace Workspace, string Role, string UserId, bool IsAdmin)
{
    /// <summary>Developers and owners change collections, records and subscriptions, replay and keep their own tokens.</summary>
    public bool CanWrite => WorkspaceRole.Allows(Role, WorkspaceRole.Developer);
    /// <summary>Owners also manage members, every token and read the audit log.</summary>
    public bool IsOwner => Role == WorkspaceRole.Owner;
    public bool Allows(string role) => WorkspaceRole.Allows(Role, role);
}

/// <summary>
/// The workspace a console user is looking at (one per circuit), always one they are a member of; every page scopes
/// its data to it. Null when the user belongs to no workspace yet.
/// </summary>
public sealed class CurrentWorkspace(AuthenticationStateProvider auth, MembershipService members, IWorkspaceChoice choice, IConfiguration config)
{
    WorkspaceAccess? current;
    List<Membership>? mine;

    public event Action? Changed;

    public async Task<WorkspaceAccess?> GetAccessAsync()
    {
        if (current is not null) return current;
        var user = (await auth.GetAuthenticationStateAsync()).User;
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null) return null;
        var all = await MineAsync(userId);
        var chosen = await ChosenIdAsync(userId);
        // A user who never switched starts on the bootstrap workspace, not whichever sorts first.
        var bootstrap = config["Bootstrap:Workspace"] is { Length: > 0 } b ? b : "default";
        var m = all.FirstOrDefault(w => w.Workspace.Id == chosen) ?? all.FirstOrDefault(w => w.Workspace.Slug == bootstrap) ?? all.FirstOrDefault();
        current = m is null ? null : new WorkspaceAccess(m.Workspace, m.Role, userId, user.IsInRole(Roles.Admin));
        return current;
    }

    public async Task<Workspace?> GetAsync() => (await GetAccessAsync())?.Workspace;

    /// <summary>The workspaces this user may switch to.</summary>
    public async Task<List<Membership>> ListAsync()
    {
        var userId = (await auth.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier);
        return userId is null ? [] : await MineAsync(userId);
    }

    public async Task SwitchAsync(Guid workspaceId)
    {
        var userId = (await auth.GetAuthenticationStateAsync()).User.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("Nobody is logged in.");
        mine = null;
        // Only a workspace the user belongs to: another's is never opened, whatever the caller passes.
        if ((await MineAsync(userId)).All(m => m.Workspace.Id != workspaceId)) throw new InvalidOperationException("You are not a member of that workspace.");
        await choice.SetCurrentWorkspaceAsync(userId, workspaceId);
        chosenId = workspaceId;
        current = null;
        Changed?.Invoke();
    }

    /// <summary>Forget what was read (after joining or leaving a workspace), so the next read asks the database.</summary>
    public void Refresh()
    {
        mine = null;
        current = null;
        Changed?.Invoke();
    }

    Guid? chosenId;

    async Task<Guid?> ChosenIdAsync(string userId) => chosenId ??= await choice.CurrentWorkspaceIdAsync(userId);

    async Task<List<Membership>> MineAsync(string userId) => mine ??= await members.WorkspacesOfAsync(userId);
}
