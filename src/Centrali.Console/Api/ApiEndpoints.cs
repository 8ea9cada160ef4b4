using System.Security.Claims;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Centrali.Console.Api;

/// <summary>Endpoint metadata: the least workspace role an endpoint needs, when it is not the default for its method.</summary>
public sealed record RequiresWorkspaceRole(string Role);

public static class ApiEndpoints
{
    public const string Base = "/data/workspace/{workspace}/api/v1";

    /// <summary>The older webhooks guide's base, for its routes only (<see cref="Webhooks.Subscriptions.OlderWebhooksApi"/>).</summary>
    public const string OlderBase = "/workspace/{workspace}/api/v1";

    /// <summary>API request bodies other than records' are small: a huge list must not cost a core for hours.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// The workspace-scoped API group: bearer token required, and it must be this workspace's token. Every endpoint mapped
    /// in it is checked here: GET needs the viewer role, any other method developer and a write-scoped token, unless the
    /// endpoint asks for more with <see cref="RequireWorkspaceRole{T}"/>.
    /// </summary>
    public static RouteGroupBuilder MapWorkspaceApi(this IEndpointRouteBuilder app, string prefix = Base)
    {
        var group = app.MapGroup(prefix)
            .RequireAuthorization(TokenClaims.Policy)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes))
            .WithTags("API");
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var routeSlug = http.GetRouteValue("workspace") as string;
            var tokenSlug = http.User.FindFirstValue(TokenClaims.WorkspaceSlug);
            // Another workspace's route answers as if it did not exist: no 403 that confirms it does.
            if (!string.Equals(routeSlug, tokenSlug, StringComparison.Ordinal))
                return TypedResults.Problem(statusCode: 404, title: "Workspace was not found.");
            var reads = HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method);
            if (!reads && http.TokenScopeOf() != TokenScope.Write)
                return TypedResults.Problem(statusCode: 403, title: "This token's scope is read.",
                    detail: "A read token answers GET requests only; make a token with scope 'write' to change anything.");
            var needed = http.GetEndpoint()?.Metadata.GetMetadata<RequiresWorkspaceRole>()?.Role ?? (reads ? WorkspaceRole.Viewer : WorkspaceRole.Developer);
            if (!WorkspaceRole.Allows(http.WorkspaceRoleOf(), needed))
                return TypedResults.Problem(statusCode: 403, title: $"This needs the {needed} role in the workspace.",
                    detail: $"The token's owner is {http.WorkspaceRoleOf()} here; an owner of the workspace can change that.");
            return await next(context);
        });
        return group;
    }

    /// <summary>This endpoint needs at least <paramref name="role"/> (e.g. owner), whatever its method.</summary>
    public static T RequireWorkspaceRole<T>(this T builder, string role) where T : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiresWorkspaceRole(role));

    /// <summary>The token's workspace id, set by the bearer handler.</summary>
    public static Guid WorkspaceId(this HttpContext http) =>
        Guid.Parse(http.User.FindFirstValue(TokenClaims.WorkspaceId)!);

    public static string WorkspaceSlug(this HttpContext http) =>
        http.User.FindFirstValue(TokenClaims.WorkspaceSlug)!;

    /// <summary>The token owner's role in the workspace (owner, developer).</summary>
    public static string WorkspaceRoleOf(this HttpContext http) =>
        http.User.FindFirstValue(TokenClaims.Role) ?? "";

    public static string TokenScopeOf(this HttpContext http) =>
        http.User.FindFirstValue(TokenClaims.Scope) ?? "";

    /// <summary>The console user who owns the calling token.</summary>
    public static string TokenOwnerId(this HttpContext http) =>
        http.User.FindFirstValue(TokenClaims.OwnerId)!;

    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails();
        // Binding failures (malformed JSON bodies) reach the handler below, which answers them with the field and the reason.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<ServiceExceptionHandler>();
        return services;
    }
}

/// <summary>Turns a broken rule into RFC 7807 problem+json with the field-level errors.</summary>
internal sealed class ServiceExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad)
            exception = bad.StatusCode == 413 ? ServiceException.TooLarge("The body is too large.")
                // Model binding wraps the parser's error: say that one, in words, with its line and column.
                : bad.InnerException is JsonException json ? ServiceException.Invalid("body", JsonErrors.Describe(json))
                : ServiceException.Invalid("body", bad.Message);
        if (exception is not ServiceException e) return false;
        http.Response.StatusCode = e.Status;
        var details = new HttpValidationProblemDetails(e.Errors) { Status = e.Status, Title = e.Title };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
    }
}
