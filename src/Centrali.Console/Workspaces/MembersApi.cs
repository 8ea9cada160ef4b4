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
            TypedResults.Ok(new Page<MemberView>(await service.ListAsync(http.WorkspaceId(), ct), null)));

        members.MapPut("/{email}", async (HttpContext http, MembershipService service, string email, MemberInput body, CancellationToken ct) =>
            TypedResults.Ok(new One<MemberView>(await service.SetRoleAsync(http.WorkspaceId(), email, body.Role ?? "", ct))))
            .RequireWorkspaceRole(WorkspaceRole.Owner);

        members.MapDelete("/{email}", async Task<NoContent> (HttpContext http, MembershipService service, string email, CancellationToken ct) =>
        {
            await service.RemoveAsync(http.WorkspaceId(), email, ct);
            return TypedResults.NoContent();
        }).RequireWorkspaceRole(WorkspaceRole.Owner);

        return api;
    }
}
