namespace Centrali.Console.Audit;

/// <summary>
/// The address a console circuit was opened from (after forwarded headers), for the audit log: an interactive page has
/// no HTTP request of its own, so the page's first request hands its address to the circuit (see Routes).
/// </summary>
public sealed class ClientAddress
{
    public string? Ip { get; set; }
}
