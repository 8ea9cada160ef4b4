namespace Centrali.Console.Data;

/// <summary>
/// Version-7 ids that also sort in the order this process made them. <see cref="SequentialId.New()"/> fills the bits
/// after the millisecond with randomness, so two ids of one millisecond compare at random; here those 12 bits count up
/// within a millisecond (the monotonic counter of RFC 9562), so "newest first" by id is the order things happened.
/// </summary>
public static class SequentialId
{
    static readonly Lock gate = new();
    static long lastMs;
    static int counter;

    public static Guid New() => New(DateTimeOffset.UtcNow);

    public static Guid New(DateTimeOffset at)
    {
        long ms;
        int count;
        lock (gate)
        {
            ms = at.ToUnixTimeMilliseconds();
            if (ms > lastMs) counter = Random.Shared.Next(0x400); // a random start leaves room to count within the millisecond
            else if (++counter > 0xFFF) (ms, counter) = (lastMs + 1, 0); // a full millisecond borrows the next one
            else ms = lastMs; // a clock that steps back keeps the order
            (lastMs, count) = (ms, counter);
        }

        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[8..]);
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(ms >> (40 - 8 * i));
        bytes[6] = (byte)(0x70 | (count >> 8));
        bytes[7] = (byte)count;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}
