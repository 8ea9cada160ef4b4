namespace Centrali.Console.Tests.Infrastructure;

/// <summary>Tests that share one cluster, started before their first test and stopped after their last; they run one at a time, like the rest of the suite.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "Postgres";
}
