namespace Centrali.Console.Shared;

/// <summary>Instance roles: an Admin manages users, workspaces and jobs; what anyone may do inside a workspace is their <see cref="WorkspaceRole"/>.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Member = "Member";
}

/// <summary>
/// Roles in a workspace, weakest first: a viewer reads (no secret, no token, no replay); a developer also changes
/// collections, records and subscriptions and keeps tokens of their own; an owner also manages members, every token and the audit log.
/// </summary>
public static class WorkspaceRole
{
    public const string Viewer = "viewer";
    public const string Developer = "developer";
    public const string Owner = "owner";

    public static readonly string[] All = [Viewer, Developer, Owner];

    public static bool IsKnown(string? role) => role is Viewer or Developer or Owner;

    /// <summary>0 for no role, then viewer &lt; developer &lt; owner.</summary>
    public static int Rank(string? role) => role switch { Viewer => 1, Developer => 2, Owner => 3, _ => 0 };

    public static bool Allows(string? role, string needed) => Rank(role) >= Rank(needed);
}
