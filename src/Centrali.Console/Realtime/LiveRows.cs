namespace Centrali.Console.Realtime;

/// <summary>
/// A page's subscription to the notifier: applies changes of one workspace as they come, and re-renders at most
/// a few times a second however many arrive; disposing it stops listening.
/// </summary>
public sealed class LiveRows : IAsyncDisposable
{
    static readonly TimeSpan DefaultRenderEvery = TimeSpan.FromMilliseconds(250);
    readonly DeliveryNotifier notifier;
    readonly Guid workspaceId;
    readonly Func<DeliveryState, Task> apply;
    readonly Func<Task> render;
    readonly SemaphoreSlim gate = new(1, 1);
    readonly PeriodicTimer timer;
    readonly Task loop;
    int dirty, missed;

    /// <summary>While paused, changes are not applied but counted; <see cref="TakeMissed"/> says how many arrived meanwhile.</summary>
    public bool Paused { get; set; }

    public int TakeMissed() => Interlocked.Exchange(ref missed, 0);

    public LiveRows(DeliveryNotifier notifier, Guid workspaceId, Func<DeliveryState, Task> apply, Func<Task> render, TimeSpan? renderEvery = null)
    {
        timer = new PeriodicTimer(renderEvery ?? DefaultRenderEvery);
        this.notifier = notifier;
        this.workspaceId = workspaceId;
        this.apply = apply;
        this.render = render;
        notifier.Changed += OnChangedAsync;
        loop = RenderLoopAsync();
    }

    async Task OnChangedAsync(DeliveryState change)
    {
        if (change.WorkspaceId != workspaceId) return;
        if (Paused) { Interlocked.Increment(ref missed); return; }
        await gate.WaitAsync();
        try { await apply(change); }
        finally { gate.Release(); }
        Interlocked.Exchange(ref dirty, 1);
    }

    async Task RenderLoopAsync()
    {
        while (await timer.WaitForNextTickAsync())
            if (Interlocked.Exchange(ref dirty, 0) == 1)
                try { await render(); } catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        notifier.Changed -= OnChangedAsync;
        timer.Dispose();
        await loop;
    }
}
