using Centrali.Console;
using Centrali.Console.Api;
using Centrali.Console.Auth;
using Centrali.Console.Components;
using Centrali.Console.Data;
using Centrali.Console.Jobs;
using Centrali.Console.Operations;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddConsoleUi();
builder.Services.AddDatabase(builder.Configuration);
builder.Services.AddConsoleAuth();
builder.Services.AddApiProblems();
builder.Services.AddJobs(builder.Configuration);
builder.Services.AddFeatures(builder.Configuration, builder.Environment);
builder.Services.AddOperations(builder.Configuration);

var app = builder.Build();

await app.PrepareDatabaseAsync();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapJobsDashboard();
app.MapOperations();

app.MapStaticAssets();
app.MapHealth();
app.MapOpenApi();
app.MapAccountEndpoints();
app.MapFeatureApis();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

public partial class Program;
