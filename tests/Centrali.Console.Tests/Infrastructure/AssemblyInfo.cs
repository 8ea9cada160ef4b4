// Each test builds its own app on its own SQLite file; running them one at a time keeps two
// apps' Hangfire servers and receivers from competing for the two cores and skewing retry timing.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
