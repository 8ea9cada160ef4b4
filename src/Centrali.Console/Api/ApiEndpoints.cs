using System.Security.Claims;
using Centrali.Console.Auth;
using Microsoft.AspNetCore.Diagnostics;

namespace Centrali.Console.Api;

public static class ApiEndpoints
{
    public const string Base = "/data/workspace/{workspace}/api/v1";

    /// <summary>The workspace-scoped API group: bearer token required, and it must be this workspace's token.</summary>
    public static RouteGroupBuilder MapWorkspaceApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Base)
            .RequireAuthorization(ApiTokenAuthentication.Policy)
            .WithTags("API");
        group.AddEndpointFilter(async (context, next) =>
        {
            var routeSlug = context.HttpContext.GetRouteValue("workspace") as string;
            var tokenSlug = context.HttpContext.User.FindFirstValue(ApiTokenAuthentication.WorkspaceSlugClaim);
            // Another workspace's route answers as if it did not exist: no 403 that confirms it does.
            if (!string.Equals(routeSlug, tokenSlug, StringComparison.Ordinal))
                return TypedResults.Problem(statusCode: 404, title: "Workspace was not found.");
            return await next(context);
        });
        return group;
    }

    /// <summary>The token's workspace id, set by the bearer handler.</summary>
    public static Guid WorkspaceId(this HttpContext http) =>
        Guid.Parse(http.User.FindFirstValue(ApiTokenAuthentication.WorkspaceIdClaim)!);

    public static string WorkspaceSlug(this HttpContext http) =>
        http.User.FindFirstValue(ApiTokenAuthentication.WorkspaceSlugClaim)!;

    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails();
        // Binding failures (malformed JSON bodies) reach the handler below, which answers them with the field and the reason.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
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
                : bad.InnerException is System.Text.Json.JsonException json ? ServiceException.Invalid("body", JsonErrors.Describe(json))
                : ServiceException.Invalid("body", bad.Message);
        if (exception is not ServiceException e) return false;
        http.Response.StatusCode = e.Status;
        var details = new Microsoft.AspNetCore.Http.HttpValidationProblemDetails(e.Errors) { Status = e.Status, Title = e.Title };
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
    }
}
