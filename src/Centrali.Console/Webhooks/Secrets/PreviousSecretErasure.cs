using Hangfire;

namespace Centrali.Console.Webhooks.Secrets;

/// <summary>
/// Registers the minutely erasure of previous secrets whose rotation overlap has ended: the backstop for the job
/// scheduled at each overlap's end, which an in-memory Hangfire store loses on restart.
/// </summary>
internal sealed class PreviousSecretErasure(IRecurringJobManager recurring) : IHostedService
{
    public const string RecurringId = "previous-secret-erasure";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<SecretErasure>(RecurringId, e => e.ErasePreviousSecretsAsync(CancellationToken.None), Cron.Minutely());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
