using System.Threading.Channels;
using Npgsql;

namespace Centrali.Console.Realtime;

/// <summary>
/// Scale-out: delivery changes travel between instances over PostgreSQL LISTEN/NOTIFY, so a page served by
/// instance A shows what instance B just did. Each instance NOTIFYs the changes it makes (tagged with its own id,
/// in batches, off the delivery's path) and hands every other instance's changes to its own listeners.
/// </summary>
public sealed class PostgresChangeFeed : BackgroundService
{
    public const string ChannelName = "centrali_delivery_changed";
    const int BatchSize = 64;
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly Guid instance = Guid.NewGuid();
    readonly Channel<DeliveryState> outgoing = Channel.CreateUnbounded<DeliveryState>(new UnboundedChannelOptions { SingleReader = true });
    readonly NpgsqlDataSource dataSource;
    readonly DeliveryNotifier notifier;
    readonly ILogger<PostgresChangeFeed> log;

    public PostgresChangeFeed(string connectionString, DeliveryNotifier notifier, ILogger<PostgresChangeFeed> log)
    {
        // A listening connection that went away silently must be noticed, or this instance would stop hearing the others.
        dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 15 }.ConnectionString);
        this.notifier = notifier;
        this.log = log;
        // Wired when built: every hosted service is built before any starts, so no change made here is missed.
        notifier.MadeHere = change => outgoing.Writer.TryWrite(change);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Forever("listen", ListenAsync, stoppingToken), Forever("notify", NotifyAsync, stoppingToken));

    /// <summary>Keeps a loop running across database restarts and lost connections.</summary>
    async Task Forever(string what, Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await loop(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogWarning(e, "The cross-instance delivery feed ({What}) failed; it starts again in a second.", what);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        var arrived = new List<string>();
        connection.Notification += (_, e) => arrived.Add(e.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
            await listen.ExecuteNonQueryAsync(stoppingToken);
        while (true)
        {
            await connection.WaitAsync(stoppingToken);
            // In arrival order, one at a time: a delivery's "pending" must not overtake its "succeeded".
            foreach (var payload in arrived)
                if (Parse(payload) is { } change) await notifier.ReceivedAsync(change);
            arrived.Clear();
        }
    }

    DeliveryState? Parse(string payload)
    {
        var message = JsonSerializer.Deserialize<Message>(payload, Json);
        return message is null || message.Instance == instance ? null : message.Change with { WorkspaceId = message.WorkspaceId };
    }

    /// <summary>Sends what is waiting as one round trip of pg_notify calls.</summary>
    async Task NotifyAsync(CancellationToken stoppingToken)
    {
        var batch = new List<DeliveryState>(BatchSize);
        while (await outgoing.Reader.WaitToReadAsync(stoppingToken))
        {
            while (batch.Count < BatchSize && outgoing.Reader.TryRead(out var change)) batch.Add(change);
            await using var command = dataSource.CreateCommand();
            var sql = new StringBuilder("SELECT ");
            for (var i = 0; i < batch.Count; i++)
            {
                sql.Append(i == 0 ? "" : ", ").Append($"pg_notify('{ChannelName}', ${i + 1})");
                command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(new Message(instance, batch[i].WorkspaceId, batch[i]), Json) });
            }
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(stoppingToken);
            batch.Clear();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        dataSource.Dispose();
    }

    /// <summary>A change with its workspace beside it: the state leaves the workspace off the wire, the other instance needs it to route.</summary>
    sealed record Message(Guid Instance, Guid WorkspaceId, DeliveryState Change);
}
