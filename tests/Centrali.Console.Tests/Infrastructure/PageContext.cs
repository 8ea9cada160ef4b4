using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Infrastructure;

/// <summary>
/// A bUnit context whose pages use the real app's services as the app registers them (real SQLite): bUnit's own
/// (renderer, JS interop, navigation) and MudBlazor's come first, everything else from one scope of the app, which
/// is disposed with the context. The default workspace is cascaded as the layout would, with the bootstrap admin's role.
/// </summary>
public sealed class PageContext : BunitContext
{
    readonly AsyncServiceScope scope;
    public Workspace Workspace { get; }

    PageContext(ConsoleApp app, AsyncServiceScope scope, Workspace workspace, WorkspaceAccess access)
    {
        this.scope = scope;
        Workspace = workspace;
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Mud's dialogs, snackbars and popovers talk to the browser: theirs must use bUnit's JS interop, not the app's.
        Services.AddMudServices();
        // Mud brings the options system, which would answer the app's option types unconfigured: those come from the app.
        var optionTypes = app.Registrations.Select(d => d.ServiceType)
            .Where(t => t.IsConstructedGenericType && t.GetGenericTypeDefinition() == typeof(IConfigureOptions<>))
            .Select(t => t.GenericTypeArguments[0]).Distinct();
        foreach (var type in optionTypes)
            foreach (var options in new[] { typeof(IOptions<>), typeof(IOptionsMonitor<>), typeof(IOptionsSnapshot<>) })
            {
                var service = options.MakeGenericType(type);
                Services.AddSingleton(service, _ => scope.ServiceProvider.GetRequiredService(service));
            }
        Services.AddFallbackServiceProvider(scope.ServiceProvider);
        Services.AddCascadingValue(_ => access);
    }

    public static async Task<PageContext> StartAsync(ConsoleApp app, string role = WorkspaceRole.Owner)
    {
        var scope = app.Scope();
        try
        {
            var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
            return new PageContext(app, scope, workspace, new WorkspaceAccess(workspace, role, await app.AdminIdAsync(), IsAdmin: true));
        }
        catch
        {
            await scope.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A routed page as the layout shows it: inside Mud's popover, dialog and snackbar providers (so its dialogs are part
    /// of what it renders) with the workspace cascaded.
    /// </summary>
    public IRenderedComponent<PageShell> RenderPage<TPage>(Action<ComponentParameterCollectionBuilder<TPage>>? parameters = null) where TPage : IComponent =>
        Render<PageShell>(p => p.Add(x => x.Workspace, Workspace).AddChildContent(parameters));

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        await scope.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) scope.Dispose();
    }
}

public static class PageContexts
{
    /// <summary>A <see cref="PageContext"/> on <paramref name="app"/>, seen with <paramref name="role"/> (owner by default); dispose it.</summary>
    public static async Task<(PageContext Ui, Workspace Workspace)> PageContextAsync(this ConsoleApp app, string role = WorkspaceRole.Owner)
    {
        var ui = await PageContext.StartAsync(app, role);
        return (ui, ui.Workspace);
    }

    /// <summary>The input behind a data-testid: Mud puts the attribute on the input (or text area) or on its wrapper.</summary>
    public static IElement InputOf<T>(this IRenderedComponent<T> cut, string testId) where T : IComponent
    {
        var element = cut.Find($"[data-testid='{testId}']");
        return element.TagName is "INPUT" or "TEXTAREA" ? element : element.QuerySelector("input, textarea") ?? throw new InvalidOperationException($"no input in {testId}");
    }
}

/// <summary>What the layout puts around a page: Mud's providers and the cascaded workspace.</summary>
public sealed class PageShell : ComponentBase
{
    [Parameter, EditorRequired] public Workspace Workspace { get; set; } = default!;
    [Parameter] public RenderFragment? ChildContent { get; set; }

    protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder b)
    {
        b.OpenComponent<MudPopoverProvider>(0);
        b.CloseComponent();
        b.OpenComponent<MudDialogProvider>(1);
        b.CloseComponent();
        b.OpenComponent<MudSnackbarProvider>(2);
        b.CloseComponent();
        b.OpenComponent<CascadingValue<Workspace>>(3);
        b.AddAttribute(4, "Value", Workspace);
        b.AddAttribute(5, "ChildContent", ChildContent);
        b.CloseComponent();
    }
}
