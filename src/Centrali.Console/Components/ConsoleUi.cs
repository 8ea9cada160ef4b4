using MudBlazor.Services;

namespace Centrali.Console.Components;

public static class ConsoleUi
{
    public static IServiceCollection AddConsoleUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = MudBlazor.Defaults.Classes.Position.BottomRight;
            // A few short-lived notes at a time, so they do not pile up over a dialog's buttons on a phone.
            o.SnackbarConfiguration.MaxDisplayedSnackbars = 2;
            o.SnackbarConfiguration.PreventDuplicates = true;
            o.SnackbarConfiguration.VisibleStateDuration = 4000;
        });
        return services;
    }
}
