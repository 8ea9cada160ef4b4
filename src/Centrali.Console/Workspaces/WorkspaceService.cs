namespace Centrali.Console.Workspaces;

/// <summary>Workspaces: instance admins create them; whoever creates one becomes its owner.</summary>
public sealed class WorkspaceService(IDbContextFactory<AppDbContext> dbs, TimeProvider time, Audit.AuditLog audit)
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

    /// <param name="ownerId">The console user who becomes its first owner (null only for the bootstrap workspace, whose owner is set at start).</param>
    public async Task<Workspace> CreateAsync(string slug, string name, string? ownerId = null)
    {
        slug = slug.Trim();
        Slugs.Check("slug", slug);
        name = string.IsNullOrWhiteSpace(name) ? slug : name.Trim();
        await using var db = await dbs.CreateDbContextAsync();
        if (await db.Workspaces.AnyAsync(w => w.Slug == slug))
            throw ServiceException.Conflict($"A workspace '{slug}' already exists.");
        var workspace = new Workspace { Slug = slug, Name = name, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Workspaces.Add(workspace);
        if (ownerId is not null)
            db.WorkspaceMembers.Add(new WorkspaceMember { WorkspaceId = workspace.Id, UserId = ownerId, Role = WorkspaceRole.Owner, CreatedAt = workspace.CreatedAt });
        await db.SaveChangesAsync();
        await audit.RecordAsync(workspace.Id, Audit.AuditActions.WorkspaceCreated, slug);
        return workspace;
    }

    /// <summary>The bootstrap workspace: created on first start, found on every later one.</summary>
    public async Task<Workspace> EnsureAsync(string slug)
    {
        await using var db = await dbs.CreateDbContextAsync();
        return await db.Workspaces.FirstOrDefaultAsync(w => w.Slug == slug) ?? await CreateAsync(slug, slug);
    }
}
