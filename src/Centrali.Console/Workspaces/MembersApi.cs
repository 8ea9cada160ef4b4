using Centrali.Console.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Centrali.Console.Workspaces;

public sealed record MemberInput(string? Role);

public static class MembersApi
{
    /// <summary>GET /members for every member; PUT (add or change role) and DELETE /members/{email} for owners.</summary>
    public static RouteGroupBuilder MapMembersApi(this RouteGroupBuilder api)
    {
        var members = api.MapGroup("/members").WithTags("Members");

        members.MapGet("", async (HttpContext http, MembershipService service, CancellationToken ct) =>
            TypedResults.Ok(new Page<MemberView>(await service.ListAsync(http.WorkspaceId(), ct), null)))
            .Doc("List members", "Who belongs to the workspace, with their role: owner, developer or viewer.",
                response: """{"data":[{"userId":"5f0c…","email":"dev@example.com","role":"developer","createdAt":"2026-12-01T09:40:00Z"}],"nextCursor":null}""");

        members.MapPut("/{email}", async (HttpContext http, MembershipService service, string email, MemberInput body, CancellationToken ct) =>
            TypedResults.Ok(new One<MemberView>(await service.SetRoleAsync(http.WorkspaceId(), email, body.Role ?? "", ct))))
            .RequireWorkspaceRole(WorkspaceRole.Owner)
            .Doc("Add a member or change their role", "Owners only. Adds the console user with this email, or changes their role. An email with no console user yet answers 404 (instance admins create users in the console). Becoming a viewer revokes the member's tokens here; the last owner cannot be demoted (409).",
                errors: [400, 409], request: """{"role":"developer"}""",
                response: """{"data":{"userId":"5f0c…","email":"dev@example.com","role":"developer","createdAt":"2026-12-01T09:40:00Z"}}""");

        members.MapDelete("/{email}", async Task<NoContent> (HttpContext http, MembershipService service, string email, CancellationToken ct) =>
        {
            await service.RemoveAsync(http.WorkspaceId(), email, ct);
            return TypedResults.NoContent();
        }).RequireWorkspaceRole(WorkspaceRole.Owner)
        .Doc("Remove a member", "Owners only. The user can no longer open the workspace, and every token they made here is revoked. The last owner cannot be removed (409).", errors: [409]);

        return api;
    }
}
