namespace Centrali.Console.Records;

/// <summary>
/// A collection's id by workspace and slug, for the record calls that address a collection by its slug on every request.
/// A slug never changes, so only a delete makes an answer stale: this instance forgets it at once, another within seconds.
/// </summary>
public sealed class CollectionIds
{
    readonly ShortLivedCache<(Guid WorkspaceId, string Slug), Guid> cache = new(TimeSpan.FromSeconds(2));

    /// <summary>The collection's id; another workspace's (or a missing) collection answers 404.</summary>
    public async Task<Guid> FindAsync(AppDbContext db, Guid workspaceId, string slug, CancellationToken ct)
    {
        if (cache.TryGet((workspaceId, slug), out var id)) return id;
        id = await db.Collections.Where(c => c.WorkspaceId == workspaceId && c.Slug == slug).Select(c => c.Id).FirstOrDefaultAsync(ct);
        if (id == Guid.Empty) throw ServiceException.NotFound("Collection");
        cache.Set((workspaceId, slug), id);
        return id;
    }

    public void Forget(Guid workspaceId, string slug) => cache.Forget((workspaceId, slug));
}
