using System.Security.Claims;
using Centrali.Console.Audit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;

namespace Centrali.Console.Auth;

/// <summary>Adds "must change password" to a console user's cookie, so every request can send them to the account page first.</summary>
internal sealed class ConsoleClaimsFactory(UserManager<ConsoleUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ConsoleUser, IdentityRole>(users, roles, options)
{
    public const string MustChangePasswordClaim = "centrali:must_change_password";

    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ConsoleUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.MustChangePassword) identity.AddClaim(new Claim(MustChangePasswordClaim, "true"));
        return identity;
    }
}

public static class AccountEndpoints
{
    /// <summary>
    /// A console user whose password someone else chose sees nothing but the account page until they change it;
    /// the API (tokens), static files and the account pages themselves pass.
    /// </summary>
    public static IApplicationBuilder UseForcedPasswordChange(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var path = http.Request.Path;
        if (http.User.HasClaim(ConsoleClaimsFactory.MustChangePasswordClaim, "true")
            && !path.StartsWithSegments("/account") && !path.StartsWithSegments("/data") && !path.StartsWithSegments("/_framework")
            && !path.StartsWithSegments("/_content") && !Path.HasExtension(path.Value))
        {
            if (path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/hubs")) { http.Response.StatusCode = 403; return; }
            http.Response.Redirect("/account/manage");
            return;
        }
        await next(http);
    });

    internal static void MapSelfService(IEndpointRouteBuilder app)
    {
        // Antiforgery-checked: another site cannot sign a user out everywhere.
        app.MapPost("/account/sign-out-everywhere", async Task<IResult> (HttpContext http, UserManager<ConsoleUser> users, SignInManager<ConsoleUser> signIn,
            AuditLog audit, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return BadForm();
            if (await users.GetUserAsync(http.User) is { } user)
            {
                await users.UpdateSecurityStampAsync(user);
                await audit.RecordAsync(null, user.Email!, AuditActions.SignedOutEverywhere, user.Email, null, http.Connection.RemoteIpAddress?.ToString());
            }
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/account/login");
        }).RequireAuthorization().WithName("SignOutEverywhere").WithSummary("Sign out everywhere").WithTags("Account").ExcludeFromDescription();
    }

    internal static IResult BadForm() =>
        TypedResults.Problem(statusCode: 400, title: "The form's antiforgery token is missing or invalid.", detail: "Reload the page and try again.");
}
