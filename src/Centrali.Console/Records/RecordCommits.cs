using System.Threading.Channels;
using Centrali.Console.Webhooks.Events;

namespace Centrali.Console.Records;

/// <summary>
/// Group commit for record creates: creates that arrive while one commit runs are written together in the next, in one
/// transaction. Each commit rewrites the same last pages of every index it touches (ids grow), so eight creates in one
/// commit write and re-read about an eighth of the pages eight commits would. One create alone commits at once.
/// </summary>
/// <remarks>
/// A commit that fails is written again one create at a time, so one bad create (a repeated idempotency key, a collection
/// deleted meanwhile) fails alone, with the exception it would have thrown on its own; the others commit.
/// </remarks>
public sealed class RecordCommits
{
    const int MaxGroup = 64;

    readonly IDbContextFactory<AppDbContext> dbs;
    readonly EventOutbox outbox;
    readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });

    sealed record Pending(IReadOnlyList<object> Rows, TaskCompletionSource Done);

    public RecordCommits(IDbContextFactory<AppDbContext> dbs, EventOutbox outbox)
    {
        this.dbs = dbs;
        this.outbox = outbox;
        _ = Task.Run(WriteAsync);
    }

    /// <summary>Commits <paramref name="rows"/> (entities to insert: the record, its event, its idempotent answer) with whatever else is waiting.</summary>
    public Task CommitAsync(IReadOnlyList<object> rows)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Writer.TryWrite(new Pending(rows, done));
        return done.Task;
    }

    async Task WriteAsync()
    {
        var group = new List<Pending>(MaxGroup);
        while (await queue.Reader.WaitToReadAsync())
        {
            while (group.Count < MaxGroup && queue.Reader.TryRead(out var pending)) group.Add(pending);
            try
            {
                await SaveAsync(group);
                foreach (var p in group) p.Done.TrySetResult();
            }
            catch (Exception) when (group.Count > 1)
            {
                foreach (var p in group)
                {
                    try
                    {
                        await SaveAsync([p]);
                        p.Done.TrySetResult();
                    }
                    catch (Exception e) { p.Done.TrySetException(e); }
                }
            }
            catch (Exception e)
            {
                group[0].Done.TrySetException(e);
            }
            group.Clear();
        }
    }

    // Not the caller's token: a create that is waiting here is written even if its request is cancelled meanwhile.
    async Task SaveAsync(List<Pending> group)
    {
        await using var db = await dbs.CreateDbContextAsync();
        foreach (var p in group) db.AddRange(p.Rows);
        await outbox.SaveAsync(db);
    }
}
