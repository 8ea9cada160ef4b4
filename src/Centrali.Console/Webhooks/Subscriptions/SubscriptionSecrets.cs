using Microsoft.AspNetCore.DataProtection;

namespace Centrali.Console.Webhooks.Subscriptions;

/// <summary>Placeholder until the subscriptions work lands: decrypts a subscription's signing secret.</summary>
public sealed class SubscriptionSecrets(IDataProtectionProvider provider)
{
    readonly IDataProtector protector = provider.CreateProtector("Centrali.SubscriptionSecret");

    public string SigningSecret(Subscription s) => protector.Unprotect(s.SecretCipher);

    public string Unprotect(string cipher) => protector.Unprotect(cipher);
}
