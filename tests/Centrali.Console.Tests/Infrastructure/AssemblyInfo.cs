// Each test builds its own app on its own SQLite file; running them one at a time keeps two
// apps' Hangfire servers and receivers from competing for the two cores and skewing retry timing.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Centrali.Console.Tests.Infrastructure
{
    using System.Runtime.CompilerServices;

    internal static class BunitDefaults
    {
        // bUnit gives a wait 1 s by default; beside the browser tests on two busy cores a live render can take longer.
        [ModuleInitializer]
        internal static void WaitLonger() => Bunit.BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(10);
    }
}
