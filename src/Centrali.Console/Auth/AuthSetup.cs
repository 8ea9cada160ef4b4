using Centrali.Console.Api;
using Centrali.Console.Workspaces;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Centrali.Console.Auth;

/// <summary>Auth:SessionCheckInterval — how often a signed-in session's security stamp is checked again.</summary>
public sealed record SessionCheck(TimeSpan Every);

public static class AuthSetup
{
    public static IServiceCollection AddConsoleAuth(this IServiceCollection services, IConfiguration config)
    {
        // How soon a password change or "sign out everywhere" ends the other sessions (cookies and open console pages).
        var sessionCheck = config.GetValue<TimeSpan?>("Auth:SessionCheckInterval") ?? TimeSpan.FromMinutes(1);
        services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = sessionCheck);
        services.AddSingleton(new SessionCheck(sessionCheck));
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthState>();

        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthentication>(TokenClaims.Scheme, null)
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
        });

        services.AddIdentityCore<ConsoleUser>(o =>
            {
                o.SignIn.RequireConfirmedAccount = false;
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                o.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders()
            .AddClaimsPrincipalFactory<ConsoleClaimsFactory>();
        services.Replace(ServiceDescriptor.Scoped<IUserStore<ConsoleUser>, ProtectedUserStore>());

        services.AddAuthorizationBuilder()
            .AddPolicy(TokenClaims.Policy, p => p
                .AddAuthenticationSchemes(TokenClaims.Scheme)
                .RequireAuthenticatedUser())
            .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.Admin));

        services.AddScoped<TokenService>();
        services.AddScoped<UserService>();
        services.AddScoped<IWorkspaceChoice>(sp => sp.GetRequiredService<UserService>());
        services.AddScoped<TwoFactorService>();
        services.AddSingleton<LiveTokens>();
        services.AddSingleton<RevocableConnections>();
        services.AddSingleton<IAccessRecheck>(sp => sp.GetRequiredService<RevocableConnections>());
        services.AddHostedService(sp => sp.GetRequiredService<RevocableConnections>());
        return services;
    }

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // Antiforgery-checked: another site's hidden form cannot sign a user out.
        app.MapPost("/account/logout", async Task<IResult> (HttpContext http, SignInManager<ConsoleUser> signIn, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return AccountEndpoints.BadForm();
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("~/account/login");
        }).WithName("SignOut").WithSummary("Sign out").WithTags("Account").ExcludeFromDescription();
        AccountEndpoints.MapSelfService(app);
        return app;
    }
}
