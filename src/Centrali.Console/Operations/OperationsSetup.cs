using System.Security.Cryptography;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;

namespace Centrali.Console.Operations;

/// <summary>
/// Running it for real: metrics at <c>/metrics</c> (Prometheus text) and over OTLP, traces over OTLP, readiness at
/// <c>/healthz/ready</c>, and the API reference at <c>/api-docs</c>.
/// </summary>
public static class OperationsSetup
{
    public const string MetricsPath = "/metrics";
    public const string ApiDocsPath = "/api-docs";

    /// <summary>OTLP is on when the standard variable is set (any OTEL_EXPORTER_OTLP_* setting then applies).</summary>
    static bool Otlp(IConfiguration config) => !string.IsNullOrEmpty(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static IServiceCollection AddOperations(this IServiceCollection services, IConfiguration config)
    {
        services.AddSingleton<Telemetry>();
        services.AddSingleton<OperationsFigures>();
        services.AddReadiness();
        services.Configure<RetentionOptions>(config.GetSection("Retention"));
        services.AddTransient<RetentionJob>();
        services.AddHostedService<RetentionStart>();

        var otlp = Otlp(config);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(config["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : "centrali-console"))
            .WithMetrics(m =>
            {
                m.AddMeter(Telemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddPrometheusExporter();
                if (otlp) m.AddOtlpExporter();
            });
        // Traces cost a little on every request and attempt, so they are recorded only when someone collects them.
        if (otlp)
        {
            // W3C trace context only: HttpClient's own propagation then applies, which the webhook sender turns off for receivers.
            OpenTelemetry.Sdk.SetDefaultTextMapPropagator(new OpenTelemetry.Context.Propagation.TraceContextPropagator());
            telemetry.WithTracing(t => t
                .AddSource(Telemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbe(http.Request.Path))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
        }
        return services;
    }

    static bool IsProbe(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/_blazor")
        || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content");

    public static WebApplication MapOperations(this WebApplication app)
    {
        // The gauges exist from the first scrape on.
        app.Services.GetRequiredService<OperationsFigures>();
        var config = app.Configuration;
        app.UseWhen(c => c.Request.Path.StartsWithSegments(MetricsPath), branch => branch.Use(async (http, next) =>
        {
            if (MetricsAccess(http, config) is { } status)
            {
                http.Response.StatusCode = status;
                if (status == StatusCodes.Status401Unauthorized) http.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }
            await next(http);
        }));
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapReadiness();
        app.MapScalarApiReference(ApiDocsPath, o => o
            .WithTitle("Centrali Console API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .AddPreferredSecuritySchemes("Bearer")
            .ExpandAllTags()
            .DisableTelemetry()
            .DisableDefaultFonts());
        return app;
    }

    /// <summary>
    /// Who may scrape: anyone with <c>Metrics:Public=true</c>; a console admin's cookie; <c>Authorization: Bearer &lt;Metrics:Token&gt;</c>
    /// when that key is set. Null when allowed, else the status to answer.
    /// </summary>
    static int? MetricsAccess(HttpContext http, IConfiguration config)
    {
        if (config.GetValue("Metrics:Public", false)) return null;
        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = config["Metrics:Token"];
            return !string.IsNullOrEmpty(token) && CryptographicOperations.FixedTimeEquals(
                Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), Encoding.UTF8.GetBytes(token))
                ? null : StatusCodes.Status401Unauthorized;
        }
        if (http.User.Identity?.IsAuthenticated != true) return StatusCodes.Status401Unauthorized;
        return http.User.IsInRole(Roles.Admin) ? null : StatusCodes.Status403Forbidden;
    }
}
