namespace Centrali.Console.Tests.Infrastructure;

/// <summary>The Postgres test category's cluster: started before its first test, stopped after its last, pass or fail.</summary>
public sealed partial class PostgresCluster : IAsyncLifetime
{
    /// <summary>Set around a test to run its ConsoleApps on a fresh database of this cluster (the integration core on Postgres).</summary>
    public static readonly AsyncLocal<PostgresCluster?> Current = new();
}

/// <summary>Tests that share one cluster; they run one at a time, like the rest of the suite.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "Postgres";
}
