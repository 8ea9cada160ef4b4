using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.HttpOverrides;

namespace Centrali.Console.Auth;

/// <summary>
/// Transport and browser hardening: the real scheme and client address behind a TLS proxy (ForwardedHeaders:KnownProxies,
/// ForwardedHeaders:KnownNetworks; loopback when unset), cookies Secure whenever the request was HTTPS, HSTS outside
/// Development, no framing, and the Data Protection key ring encrypted with a certificate when DataProtection:CertificatePath is set.
/// </summary>
public static class WebSecurity
{
    public static IServiceCollection AddWebSecurity(this IServiceCollection services, IConfiguration config)
    {
        // Keys live in the database: a restarted or moved container with the same database still decrypts secrets.
        services.AddDataProtection().PersistKeysToDbContext<AppDbContext>().SetApplicationName("Centrali.Console")
            .ProtectKeysWithConfiguredCertificate(config);
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            var proxies = config.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? [];
            var networks = config.GetSection("ForwardedHeaders:KnownNetworks").Get<string[]>() ?? [];
            // Configured: exactly these (a proxy in another container is not loopback); unset: only a proxy on this host.
            if (proxies.Length + networks.Length > 0)
            {
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var p in proxies) o.KnownProxies.Add(IPAddress.Parse(p));
                foreach (var n in networks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(n));
            }
        });
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        // Secure when the request (or, behind the proxy, the client's request) was HTTPS; never readable from script.
        services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
        });
        // X-Frame-Options is set below for every response, not only for pages with a form.
        services.AddAntiforgery(o => { o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest; o.SuppressXFrameOptionsHeader = true; });
        return services;
    }

    /// <summary>DataProtection:CertificatePath (a .pfx) and DataProtection:CertificatePassword: the key ring in the database is encrypted with it.</summary>
    public static IDataProtectionBuilder ProtectKeysWithConfiguredCertificate(this IDataProtectionBuilder builder, IConfiguration config)
    {
        if (config["DataProtection:CertificatePath"] is not { Length: > 0 } path) return builder;
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, config["DataProtection:CertificatePassword"], X509KeyStorageFlags.EphemeralKeySet);
        return builder.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
    }

    /// <summary>The Content-Security-Policy of every response: no framing.</summary>
    public const string FrameAncestors = "frame-ancestors 'none'";

    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts();
        app.Use(async (http, next) =>
        {
            // Clickjacking: no page of the console may be framed by another site (interactive pages set the same policy themselves).
            http.Response.OnStarting(() =>
            {
                if (!http.Response.Headers.ContainsKey("Content-Security-Policy")) http.Response.Headers.ContentSecurityPolicy = FrameAncestors;
                return Task.CompletedTask;
            });
            http.Response.Headers.XFrameOptions = "DENY";
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "same-origin";
            await next(http);
        });
        return app;
    }
}
