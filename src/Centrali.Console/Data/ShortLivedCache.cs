using System.Diagnostics;

namespace Centrali.Console.Data;

/// <summary>
/// Answers of a lookup made on every API request (which token, which collection) kept for a moment, so a busy client does
/// not pay a database round trip per call for facts that rarely change. A change made on this instance forgets them at once;
/// one made on another instance is seen within <paramref name="lifetime"/>. Real time, not the app's clock: a test's frozen
/// clock must not freeze the cache.
/// </summary>
public sealed class ShortLivedCache<TKey, TValue>(TimeSpan lifetime) where TKey : notnull
{
    // Past this many entries the cache starts over rather than grow: only found things are cached, so that is many workspaces.
    const int MaxEntries = 10_000;
    readonly ConcurrentDictionary<TKey, (TValue Value, long Until)> entries = new();

    public bool TryGet(TKey key, out TValue value)
    {
        if (entries.TryGetValue(key, out var entry) && Stopwatch.GetTimestamp() < entry.Until)
        {
            value = entry.Value;
            return true;
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (entries.Count >= MaxEntries) entries.Clear();
        entries[key] = (value, Stopwatch.GetTimestamp() + (long)(lifetime.TotalSeconds * Stopwatch.Frequency));
    }

    public void Forget(TKey key) => entries.TryRemove(key, out _);

    public void Clear() => entries.Clear();
}
