namespace Centrali.Console.Workspaces;

/// <summary>
/// Told when a membership changes, so access granted before the change (cached tokens, open hub connections) is checked
/// again at once. Auth's connection registry answers it: Auth is built on workspaces, so workspaces know only this.
/// </summary>
public interface IAccessRecheck
{
    void Recheck();
}
