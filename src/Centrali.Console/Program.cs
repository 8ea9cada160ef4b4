using Centrali.Console.Api;
using Centrali.Console.Audit;
using Centrali.Console.Auth;
using Centrali.Console.Collections;
using Centrali.Console.Components;
using Centrali.Console.Jobs;
using Centrali.Console.Operations;
using Centrali.Console.Operations.Alerts;
using Centrali.Console.Realtime;
using Centrali.Console.Records;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Dispatch;
using Centrali.Console.Webhooks.Subscriptions;
using Centrali.Console.Workspaces;

var builder = WebApplication.CreateBuilder(args);
var config = builder.Configuration;

builder.Services.AddConsoleUi();
builder.Services.AddDatabase(config);
builder.Services.AddConsoleAuth(config);
builder.Services.AddWebSecurity(config);
builder.Services.AddApiProblems();
builder.Services.AddJobs(config);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddApiDocs();
builder.Services.AddAudit();
builder.Services.AddWorkspaces();
builder.Services.AddDispatch(config, builder.Environment);
builder.Services.AddRealtime(config);
builder.Services.AddSingleton<Idempotency>();
builder.Services.AddRecords(config);
builder.Services.AddCollections();
builder.Services.AddSubscriptions();
builder.Services.AddDeliveries();
builder.Services.AddOperations(config);
builder.Services.AddAlerts(config);

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseWebSecurity();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseForcedPasswordChange();
app.UseAuthorization();
app.UseAntiforgery();
app.MapJobsDashboard();
app.MapOperations();

app.MapStaticAssets();
app.MapHealth();
app.MapOpenApi();
app.MapAccountEndpoints();

var api = app.MapWorkspaceApi();
api.MapTokensApi();
api.MapMembersApi();
api.MapAuditApi();
api.MapSubscriptionsApi();
api.MapCollectionsApi();
api.MapRecordsApi();
api.MapDeliveriesApi();
api.MapSettingsApi();
// The older webhooks guide's routes: same services, same tokens, same checks.
app.MapWorkspaceApi(ApiEndpoints.OlderBase).MapOlderWebhooksApi();
app.MapConsoleExport();
app.MapRealtime();

app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = WebSecurity.FrameAncestors["frame-ancestors ".Length..]);

app.Run();

public partial class Program;
