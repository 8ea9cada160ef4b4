using Centrali.Console.Api;
using Centrali.Console.Data;
using Microsoft.EntityFrameworkCore;

namespace Centrali.Console.Workspaces;

public sealed class WorkspaceService(IDbContextFactory<AppDbContext> dbs, TimeProvider time)
{
    public async Task<List<Workspace>> ListAsync()
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Workspaces.OrderBy(w => w.Slug).ToListAsync();
    }

    public async Task<Workspace?> FindAsync(Guid id)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Workspaces.FirstOrDefaultAsync(w => w.Id == id);
    }

    public async Task<Workspace> CreateAsync(string slug, string name)
    {
        slug = slug.Trim();
        Slugs.Check("slug", slug);
        name = string.IsNullOrWhiteSpace(name) ? slug : name.Trim();
        await using var db = await dbs.CreateDbContextAsync();
        if (await db.Workspaces.AnyAsync(w => w.Slug == slug))
            throw ServiceException.Conflict($"A workspace '{slug}' already exists.");
        var workspace = new Workspace { Slug = slug, Name = name, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Workspaces.Add(workspace);
        await db.SaveChangesAsync();
        return workspace;
    }

    /// <summary>The bootstrap workspace: created on first start, found on every later one.</summary>
    public async Task<Workspace> EnsureAsync(string slug)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Workspaces.FirstOrDefaultAsync(w => w.Slug == slug) ?? await CreateAsync(slug, slug);
    }
}
