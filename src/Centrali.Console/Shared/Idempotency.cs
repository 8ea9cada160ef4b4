namespace Centrali.Console.Shared;

/// <summary>The first answer to a create, as the client saw it: replayed byte for byte for a repeated Idempotency-Key.</summary>
public sealed record StoredAnswer(int Status, string Body, string? Location);

/// <summary>What a create did: either it created <see cref="Value"/>, or it is a repeat and answers <see cref="Replay"/>.</summary>
public sealed record Creation<T>(T? Value, StoredAnswer? Replay) where T : class;

/// <summary>An Idempotency-Key and the path it was sent to; keys are unique per workspace.</summary>
public sealed record IdempotencyKey(string Key, string Path)
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;

    public static IdempotencyKey? From(HttpRequest request)
    {
        var key = request.Headers[Header].ToString();
        if (key.Length == 0) return null;
        if (key.Length > MaxLength) throw ServiceException.Invalid(Header, $"An {Header} is at most {MaxLength} characters.");
        return new IdempotencyKey(key, request.Path.Value ?? "");
    }
}

/// <summary>Stores and finds first answers to creates carrying an Idempotency-Key (kept 24 h).</summary>
public sealed class Idempotency(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>The live first answer for this key, or null; expired answers are removed so the key can be used again.</summary>
    public async Task<StoredAnswer?> FindAsync(AppDbContext db, Guid workspaceId, IdempotencyKey? key, CancellationToken ct = default)
    {
        if (key is null) return null;
        var cutoff = time.GetUtcNow().UtcDateTime - Lifetime;
        await db.IdempotentResponses.Where(r => r.CreatedAt < cutoff).ExecuteDeleteAsync(ct);
        var found = await db.IdempotentResponses.AsNoTracking()
            .FirstOrDefaultAsync(r => r.WorkspaceId == workspaceId && r.Key == key.Key, ct);
        if (found is null) return null;
        // The same key on another route is a client bug; answering the other route's result would hide it.
        if (found.Path != key.Path)
            throw ServiceException.Conflict($"This {IdempotencyKey.Header} was already used for another request.");
        return new StoredAnswer(found.StatusCode, found.Body, found.Location);
    }

    /// <summary>Adds the answer to <paramref name="db"/> without saving: it commits with the create it answers.</summary>
    public void Add(AppDbContext db, Guid workspaceId, IdempotencyKey? key, StoredAnswer answer)
    {
        if (Row(workspaceId, key, answer) is { } row) db.IdempotentResponses.Add(row);
    }

    /// <summary>The row that stores <paramref name="answer"/> for <paramref name="key"/>, or null without a key.</summary>
    public IdempotentResponse? Row(Guid workspaceId, IdempotencyKey? key, StoredAnswer answer)
    {
        if (key is null) return null;
        return new IdempotentResponse
        {
            WorkspaceId = workspaceId,
            Key = key.Key,
            Path = key.Path,
            StatusCode = answer.Status,
            Body = answer.Body,
            Location = answer.Location,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
    }

    /// <summary>True when a save failed because a concurrent request with the same key committed first.</summary>
    public static bool IsDuplicateKey(DbUpdateException e, IdempotencyKey? key) =>
        key is not null && e.InnerException?.Message.Contains("IdempotentResponses", StringComparison.Ordinal) == true;
}

/// <summary>The stored answer of an idempotent create, replayed byte for byte.</summary>
public sealed class StoredAnswerResult(StoredAnswer answer) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = answer.Status;
        if (answer.Location is { } location) http.Response.Headers.Location = location;
        http.Response.Headers["Idempotent-Replayed"] = "true";
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(answer.Body);
    }
}
