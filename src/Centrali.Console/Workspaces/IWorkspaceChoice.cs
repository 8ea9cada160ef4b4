namespace Centrali.Console.Workspaces;

/// <summary>
/// Where the switcher's last choice is kept: on the console user, so the console reopens on it. Auth's user service
/// answers it: Auth is built on workspaces, so workspaces know only this.
/// </summary>
public interface IWorkspaceChoice
{
    Task<Guid?> CurrentWorkspaceIdAsync(string userId);
    Task SetCurrentWorkspaceAsync(string userId, Guid workspaceId);
}
