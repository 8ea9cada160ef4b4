using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Centrali.Console.Tests.Infrastructure;

public sealed record TestSubscription(Guid Id, string Secret);

/// <summary>Test set-up for delivery tests: subscriptions and record events in the default workspace.</summary>
public static class WebhookSetup
{
    public static async Task<TestSubscription> SubscribeAsync(this ConsoleApp app, string url, string events = "record_created,record_updated,record_deleted",
        string collectionSlugs = "", string header = "X-Signature", string algorithm = "sha256", string encoding = "base64", string prefix = "", string status = "active")
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var secret = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var protector = scope.ServiceProvider.GetRequiredService<IDataProtectionProvider>().CreateProtector("Centrali.SubscriptionSecret");
        var s = new Subscription
        {
            WorkspaceId = workspace.Id, Name = "test", Url = url, Events = events, CollectionSlugs = collectionSlugs, Status = status,
            SignatureHeader = header, Algorithm = algorithm, Encoding = encoding, SignaturePrefix = prefix,
            SecretCipher = protector.Protect(secret), SecretHint = "whsec_…" + secret[^4..], CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
        };
        db.Subscriptions.Add(s);
        await db.SaveChangesAsync();
        return new TestSubscription(s.Id, secret);
    }

    /// <summary>A committed record change in the default workspace, written through the outbox as the record service does.</summary>
    public static async Task<WebhookEvent> RecordEventAsync(this ConsoleApp app, string collection = "orders", string data = """{"total":210}""", string type = EventTypes.RecordCreated)
    {
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var outbox = scope.ServiceProvider.GetRequiredService<EventOutbox>();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        var e = outbox.Add(db, workspace.Id, workspace.Slug, type, collection, Guid.CreateVersion7(), data);
        await outbox.SaveAsync(db);
        return e;
    }

    public static async Task<List<Delivery>> DeliveriesAsync(this ConsoleApp app)
    {
        await using var scope = app.Scope();
        return await scope.ServiceProvider.GetRequiredService<AppDbContext>().Deliveries.AsNoTracking()
            .Include(d => d.Attempts).OrderBy(d => d.Id).ToListAsync();
    }

    /// <summary>Polls the database until the condition holds (deliveries run in the background).</summary>
    public static async Task<List<Delivery>> WaitForDeliveriesAsync(this ConsoleApp app, Func<List<Delivery>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var all = await app.DeliveriesAsync();
            // The dispatcher writes an event's deliveries just after its commit: a condition on rows not there yet is "not yet".
            bool reached;
            try { reached = done(all); }
            catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException) { reached = false; }
            if (reached) return all;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Deliveries did not reach the expected state: " +
                string.Join("; ", all.Select(d => $"{d.Status} {d.AttemptCount}/{d.MaxAttempts} next {d.NextAttemptAt:HH:mm:ss.fff} lease {d.LeaseUntil:HH:mm:ss.fff} now {DateTime.UtcNow:HH:mm:ss.fff} {d.LastError} [{string.Join(",", d.Attempts.Select(a => a.StartedAt.ToString("HH:mm:ss.fff")))}]"))
                + "\nWarnings and errors of the app:\n" + string.Join("\n", app.Logs.Where(l => l.StartsWith("Warning") || l.StartsWith("Error")).Take(20)));
            await Task.Delay(50);
        }
    }

    public static string Hmac(string algorithm, string key, byte[] body, bool hex)
    {
        var k = Encoding.UTF8.GetBytes(key);
        var mac = algorithm switch { "sha1" => HMACSHA1.HashData(k, body), "sha512" => HMACSHA512.HashData(k, body), _ => HMACSHA256.HashData(k, body) };
        return hex ? Convert.ToHexStringLower(mac) : Convert.ToBase64String(mac);
    }

    /// <summary>Standard Webhooks verification as its spec describes it, written independently of the product's signer.</summary>
    public static bool VerifiesStandardWebhooks(ReceivedRequest r, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = $"{r.Header("webhook-id")}.{r.Header("webhook-timestamp")}.{r.Text}";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed)));
        return r.Header("webhook-signature").Split(' ').Any(s => s == "v1," + expected);
    }
}
