using Centrali.Console.Auth;
using Centrali.Console.Collections;
using Centrali.Console.Records;
using Centrali.Console.Tests.Auth;
using Centrali.Console.Tests.Collections;
using Centrali.Console.Tests.Deliveries;
using Centrali.Console.Tests.Realtime;
using Centrali.Console.Tests.Records;
using Centrali.Console.Tests.Subscriptions;

namespace Centrali.Console.Tests.Postgres;

/// <summary>
/// The integration suite's core, unchanged, on PostgreSQL: each fact below runs the SQLite suite's own test with every
/// ConsoleApp it starts on a fresh database of the throwaway cluster (Npgsql, Hangfire.PostgreSql, the Postgres migrations).
/// </summary>
[Trait("Category", "Postgres")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresCoreFacts(PostgresCluster cluster)
{
    Task OnPostgres(Func<Task> fact)
    {
        PostgresCluster.Current.Value = cluster;
        return fact();
    }

    [Fact]
    public async Task TheAppRunsOnPostgres_WithItsMigrationsAndHangfiresSchemaApplied()
    {
        PostgresCluster.Current.Value = cluster;
        await using var app = new ConsoleApp();
        await using var scope = app.Scope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        Assert.IsType<PostgresAppDbContext>(db);
        Assert.Equal("Npgsql.EntityFrameworkCore.PostgreSQL", db.Database.ProviderName);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
        Assert.Equal("20261124101316_Initial", applied[0]);
        Assert.Equal(db.Database.GetMigrations(), applied);
        Assert.IsType<Hangfire.PostgreSql.PostgreSqlStorage>(app.Service<Hangfire.JobStorage>());
        var hangfireTables = await db.Database.SqlQuery<int>($"SELECT count(*)::int AS \"Value\" FROM information_schema.tables WHERE table_schema = 'hangfire'").SingleAsync();
        Assert.True(hangfireTables > 0);
        Assert.Single(await db.DataProtectionKeys.ToListAsync());
    }

    // Deliveries: signing, fan-out, Hangfire-scheduled retries, circuit (raw upsert), the claim, replay, recover, the log's keyset paging.
    // Per-subscription features: the ordering rule of the claim, the shared rate-limit bucket and adaptive throttling, ed25519.
    [Fact] public Task Features_OrderingRateLimitThrottlingEd25519() => OnPostgres(async () =>
    {
        var features = new Features.FeaturesApp();
        try
        {
            await features.InitializeAsync();
            await new Features.OrderingFacts(features).ARecordsEvents_ArriveInEventOrder_WhileItsFirstIsRetried_AndAnotherRecordIsNotHeldUp();
            await new Features.RateLimitFacts(features).TwentyPerSecond_TwoHundredDeliveries_TakeAtLeast9Point5Seconds_AndNoSecondAtTheReceiverHoldsMoreThanTwenty();
            await new Features.RateLimitFacts(features).A429_HalvesTheEffectiveRate_AndSuccessesBringItBackToTheLimit();
            await new Features.Ed25519Facts(features).AnEd25519Delivery_VerifiesWithThePublicKey_InLibsodiumAndInNode_AndCarriesNoHmacHeader();
        }
        finally
        {
            await features.DisposeAsync();
        }
    });

    [Fact] public Task Delivery_IsSignedAndVerifies() => OnPostgres(new DeliveryFacts().Attempt_IsSignedAsTheSeedsReceiversAndStandardWebhooksVerify);
    [Fact] public Task Delivery_FansOut() => OnPostgres(new DeliveryFacts().FanOut_MakesOneDeliveryPerMatchingActiveSubscription);
    [Fact] public Task Delivery_RetriesOnHangfireSchedule() => OnPostgres(new DeliveryFacts().Receiver500_GetsExactlyMaxAttempts_AtTheScheduledGaps_ThenFailed);
    [Fact] public Task Delivery_Gone() => OnPostgres(new DeliveryFacts().Gone_EndsTheDelivery_AndSetsTheSubscriptionInactive);
    [Fact] public Task Delivery_OpenCircuitWaits() => OnPostgres(new DeliveryFacts().OpenCircuit_MakesDueDeliveriesWaitWithoutSpendingAttempts_ThenTheyResume);
    [Fact] public Task Delivery_RacingWorkersSendOnce() => OnPostgres(new DeliveryFacts().RacingClaimsOnOneDelivery_LeaseItOnce);
    [Fact] public Task Delivery_Replay() => OnPostgres(new DeliveryFacts().Replay_SendsTheSameEventAgain_AndIsRefusedWhilePending);
    [Fact] public Task Delivery_Recover() => OnPostgres(new DeliveryFacts().Recover_ReplaysEachFailedEventOnce);
    [Fact] public Task Delivery_LogApi() => OnPostgres(new DeliveryFacts().DeliveriesApi_ListsNewestFirst_WithFiltersAndPaging_AndReadsOneWithAttempts);
    [Fact] public Task Delivery_NulBytesRecorded() => OnPostgres(new DeliveryFacts().ResponseWithNulBytesAndInvalidUtf8_IsRecorded_AndTheDeliveryEnds);
    [Fact] public Task Delivery_ReplayThroughOpenCircuit() => OnPostgres(new DispatchFacts().AReplay_GoesThroughAnOpenCircuit_AndItsSuccessReleasesWhatWaited);
    [Fact] public Task Delivery_CircuitsPerWorkspace() => OnPostgres(new DispatchFacts().AnotherWorkspacesFailures_AtTheSameUrl_NeverOpenThisWorkspacesCircuit);
    [Fact] public Task Delivery_LapsedLeaseRecordsNothing() => OnPostgres(new DispatchFacts().ALapsedLease_RecordsNothing_SoNoAttemptNumberIsWrittenTwice);
    [Fact] public Task Delivery_SearchByShortIdAndStatusCode() => OnPostgres(new DeliveryLogApiFacts().Search_ByShortId_FindsDeliveriesHoweverTheyWereMade_AndByStatusCode_OnlyThoseThatGotIt_ElseThePayloads);
    [Fact] public Task Delivery_Hub() => OnPostgres(new DeliveriesHubFacts().TokenClient_SeesEachAttemptOfItsWorkspace_AndOthersSeeNothing);

    // Records and collections: events in the same transaction, keyset paging, idempotency (unique-key races), search.
    [Fact] public Task Record_Create() => OnPostgres(new RecordApiFacts().Create_AnswersTheRecord_AndWritesOneRecordCreatedEventInTheWireFormat);
    [Fact] public Task Record_List() => OnPostgres(new RecordApiFacts().List_PagesByKeysetInCreationOrder_WithDefaultAndMaximumLimits);
    [Fact] public Task Record_Patch() => OnPostgres(new RecordApiFacts().Patch_MergesPerRfc7396_NullsRemoveKeysAndObjectsMerge);
    [Fact] public Task Record_Delete() => OnPostgres(new RecordApiFacts().Delete_RemovesTheRecord_AndWritesOneRecordDeletedEventWithTheDataAsItWas);
    [Fact] public Task Record_Idempotency() => OnPostgres(new RecordApiFacts().Create_WithAnIdempotencyKey_CreatesOnce_AndAnswersRepeatsWithTheFirstAnswer);
    [Fact] public Task Record_IdempotencyExpires() => OnPostgres(new RecordApiFacts().IdempotencyKey_OlderThan24Hours_IsForgotten);
    [Fact] public Task Record_Search() => OnPostgres(new RecordsTableFacts().Search_ShowsOnlyRecordsWhoseDataContainsTheTerm);
    [Fact] public Task Collection_Create() => OnPostgres(new CollectionApiFacts().Create_AnswersTheCollection_AndGetListsItWithItsRecordCount);
    [Fact] public Task Collection_DuplicateSlug() => OnPostgres(new CollectionApiFacts().Create_Answers409_ForADuplicateSlug);
    [Fact] public Task Collection_DeleteWithRecords() => OnPostgres(new CollectionApiFacts().Delete_OfACollectionWithRecords_Answers409_UnlessForced);
    [Fact] public Task Workspaces_AreIsolated() => OnPostgres(new WorkspaceIsolationFacts().AnotherWorkspacesToken_CannotListReadChangeOrDeleteCollectionsOrRecords);

    // Subscriptions and secrets: Data Protection keys in the database survive a restart.
    [Fact] public Task Subscription_Create() => OnPostgres(new SubscriptionsApiFacts().Create_AnswersTheSubscriptionWithItsSecretOnce_AndTheDefaults);
    [Fact] public Task Subscription_SecretAfterRestart() => OnPostgres(new SubscriptionsApiFacts().Secret_DecryptsFromTheCipher_AlsoAfterARestartOnTheSameDatabase);
    [Fact] public Task Subscription_RotateKeepsHistory() => OnPostgres(new SubscriptionsApiFacts().RotateSecret_KeepsTheDeliveryHistory_AndDelete_KeepsItToo);
    [Fact] public Task Subscription_List() => OnPostgres(new SubscriptionsApiFacts().List_IsPagedNewestFirst_WithACursor);
    [Fact] public Task Subscription_Filter() => OnPostgres(new SubscriptionFilterApiFacts().FanOut_DeliversOnlyTheEventsTheFilterMatches_AndTestEventsIgnoreIt);

    // Auth: tokens, Identity, lockout, bootstrap across restarts, health.
    [Fact] public Task Auth_Tokens() => OnPostgres(new AuthFacts().Tokens_AreStoredHashed_AndListedWithHintAndLastUse);
    [Fact] public Task Auth_RevokedToken() => OnPostgres(new AuthFacts().RevokedToken_IsRefusedOnTheNextRequest);
    [Fact] public Task Auth_Login() => OnPostgres(new AuthFacts().Login_WithTheBootstrapAdmin_SetsTheCookie);
    [Fact] public Task Auth_Lockout() => OnPostgres(new AuthFacts().Login_LocksTheAccount_AfterFiveWrongPasswords_WithTheSameAnswerAsAnUnknownEmail);
    [Fact] public Task Auth_BootstrapAcrossRestarts() => OnPostgres(new AuthFacts().Bootstrap_IsIdempotentAcrossRestarts);
    [Fact] public Task Health() => OnPostgres(new AuthFacts().Health_AnswersWhenTheDatabaseIsReachable);

    // Operations: readiness, the database gauges, retention's batched deletes, endpoint health and the operator webhook.
    [Fact] public Task Operations_Ready() => OnPostgres(new Operations.ReadinessFacts().Ready_IsHealthyWithTheDatabaseTheJobServerAndNoBacklog);
    [Fact] public Task Operations_Gauges() => OnPostgres(new Operations.MetricsFacts().Gauges_ShowTheDueBacklogAndOpenCircuits);
    [Fact] public Task Operations_Retention() => OnPostgres(new Operations.RetentionFacts(new NoOutput()).Purge_DeletesExactlyTheOldFinalRows_AndKeepsPendingOnesWhateverTheirAge);
    [Fact] public Task Operations_Alerts() => OnPostgres(new Operations.OperatorAlertFacts().FailingExhaustedAndRecovered_ReachTheOperatorWebhook_Signed_AndTheBell);
    [Fact] public Task Operations_AutoDisable() => OnPostgres(new Operations.OperatorAlertFacts().FailingContinuouslyForDisableAfter_SetsTheSubscriptionInactive_AndTellsTheOperator);

    sealed class NoOutput : Xunit.Abstractions.ITestOutputHelper
    {
        public void WriteLine(string message) { }
        public void WriteLine(string format, params object[] args) { }
    }

    /// <summary>SQLite's LIKE ignores ASCII case, and the records table's search relies on it: on PostgreSQL it is ILIKE.</summary>
    [Fact]
    public async Task Search_IgnoresCase_AsOnSqlite()
    {
        PostgresCluster.Current.Value = cluster;
        await using var app = new ConsoleApp();
        await using var scope = app.Scope();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");
        await scope.ServiceProvider.GetRequiredService<CollectionService>().CreateAsync(workspace.Id, new CollectionInput("Orders", "orders", null));
        var records = scope.ServiceProvider.GetRequiredService<RecordService>();
        await records.CreateAsync(workspace.Id, workspace.Slug, "orders", """{"customer": "Ada Lovelace"}""");
        await records.CreateAsync(workspace.Id, workspace.Slug, "orders", """{"customer": "Grace Hopper"}""");

        var found = await records.QueryAsync(workspace.Id, "orders", new RecordQuery(0, 10, Search: "ADA"));

        Assert.Equal(1, found.Total);
        Assert.Contains("Ada Lovelace", found.Items.Single().Data.GetRawText());
    }

    /// <summary>The dashboard groups by the hour in UTC (date_trunc on timestamptz must not use the session's time zone).</summary>
    [Fact]
    public async Task DashboardStats_CountThisHoursDeliveries()
    {
        PostgresCluster.Current.Value = cluster;
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        await app.SubscribeAsync(receiver.Url);
        await app.RecordEventAsync();
        await app.RecordEventAsync();
        await app.WaitForDeliveriesAsync(d => d.Count == 2 && d.All(x => x.Status == DeliveryStatus.Succeeded));
        await using var scope = app.Scope();
        var workspace = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().EnsureAsync("default");

        var stats = await scope.ServiceProvider.GetRequiredService<DeliveryService>().StatsAsync(workspace.Id, DateTime.UtcNow);

        Assert.Equal(24, stats.Last24Hours.Count);
        Assert.Equal(2, stats.Last24Hours[^1].Succeeded);
        Assert.Equal(2, stats.BySubscription.Single().Succeeded);
        Assert.Null(stats.OldestPending);
    }
}
