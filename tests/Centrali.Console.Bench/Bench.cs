using System.Diagnostics;
using Centrali.Console.Webhooks.Filters;

namespace Centrali.Console.Bench;

public sealed record Sizes(
    double RawSeconds, int SustainedRecords, int SustainedWarmup, int LatencySeconds, int FanoutSubscriptions, int FanoutRounds,
    int RecoveryDeliveries, int LogDeliveries, int FilterEvents = 10_000, int ThroughputSubscriptions = 100, int ThroughputRecords = 200,
    int OrderingRecords = 1_000, int RateLimitDeliveries = 500)
{
    public static readonly Sizes Full = new(10, 20_000, 1_000, 30, 1_000, 3, 100_000, 1_000_000);
    // Quick: CI smoke, about a minute on an idle machine.
    public static readonly Sizes Quick = new(1, 500, 50, 10, 100, 1, 2_000, 20_000, 1_000, 20, 50, 100, 100);
    /// <summary>Subscriptions of the ordering scenario, each getting every record.</summary>
    public const int OrderingSubscriptions = 10;
    public const int RateLimit = 50;
    /// <summary>Concurrent API clients creating records.</summary>
    public int Clients => 8;
    /// <summary>The app's dispatcher parallelism (Webhooks:Concurrency, default 64): the concurrency it sends with, so the raw loop's too.</summary>
    public int SendConcurrency => 64;
    public int LatencyRate => 50;
}

/// <summary>The measurements, against the app as a child process and one shared receiver.</summary>
public sealed class Bench(Results results, Receiver receiver, Sizes size, string root)
{
    static readonly TimeSpan Stall = TimeSpan.FromSeconds(30);

    /// <summary>The app on a SQLite folder of its own, as shipped, stopped cleanly (as a container stop does) when disposed.</summary>
    static Task<AppProcess> StartAppAsync(string folder, IDictionary<string, string>? settings = null) =>
        AppProcess.StartSqliteAsync(Path.GetFileName(folder), folder, AsShipped(settings), stopOnDispose: true);

    /// <summary>Hangfire's schedule polled at the product's default (1 s), not the test toolkit's 200 ms, plus <paramref name="settings"/>.</summary>
    static Dictionary<string, string> AsShipped(IDictionary<string, string>? settings = null) =>
        new(settings ?? new Dictionary<string, string>()) { ["Hangfire:SchedulePollingInterval"] = "00:00:01" };

    /// <summary>Every figure the table has, with its target: a failed scenario still leaves its rows, empty.</summary>
    static readonly (string Key, string Name, string Unit, string Target, Func<double, bool>? Met)[] Catalog =
    [
        ("raw.requestsPerSecond", "1. raw limit: HttpClient → receiver", "req/s", "—", null),
        ("throughput.deliveriesPerSecond", "T. fan-out throughput: subscriptions × records", "/s", "≥ 5,000/s", v => v >= 5000),
        ("throughput.ratioToRaw", "T. fan-out throughput ÷ raw limit", "%", "≥ 25%", v => v >= 25),
        ("throughput.appCpuMsPerDelivery", "T. app CPU per delivery", "ms", "—", null),
        ("sustained.deliveriesPerSecond", "2. sustained deliveries, one subscription", "/s", "≥ 1,500/s", v => v >= 1500),
        ("sustained.ratioToRaw", "2. sustained ÷ raw limit", "%", "—", null),
        ("sustained.createsPerSecond", "2. creates (8 clients)", "/s", "—", null),
        ("sustained.createP50Ms", "2. create p50", "ms", "—", null),
        ("sustained.createP99Ms", "2. create p99", "ms", "≤ 25 ms", v => v <= 25),
        ("sustained.appCpuPercent", "2. app CPU while sustained", "% of 1 core", "—", null),
        ("sustained.appCpuMsPerRecord", "2. app CPU per record (create + delivery)", "ms", "≤ 1.0 ms", v => v <= 1.0),
        ("sustained.benchCpuPercent", "2. bench CPU while sustained", "% of 1 core", "—", null),
        ("latency.p50Ms", "3. write → receipt p50 (50/s)", "ms", "≤ 20 ms", v => v <= 20),
        ("latency.p95Ms", "3. write → receipt p95", "ms", "—", null),
        ("latency.p99Ms", "3. write → receipt p99", "ms", "≤ 100 ms", v => v <= 100),
        ("fanout.answerMs", "4. fan-out to 1,000: API answer", "ms", "≤ 15 ms", v => v <= 15),
        ("fanout.lastReceiptMs", "4. fan-out to 1,000: last receipt", "ms", "≤ 1,000 ms", v => v <= 1000),
        ("hangfire.fileMb", "H. Hangfire SQLite file after the live scenarios", "MB", "bounded", null),
        ("recovery.readySeconds", "5. recovery: process start → /healthz", "s", "—", null),
        ("recovery.firstReceiptSeconds", "5. recovery: start → first receipt", "s", "—", null),
        ("recovery.allReceivedSeconds", "5. recovery: start → all received", "s", "≤ 25 s", v => v <= 25),
        ("recovery.peakRssMb", "5. recovery: app peak RSS (VmHWM)", "MB", "≤ 400 MB", v => v <= 400),
        ("postgres.throughputPerSecond", "P. PostgreSQL fan-out throughput", "/s", "≥ 2,000/s", v => v >= 2000),
        ("postgres.deliveriesPerSecond", "P. sustained deliveries on PostgreSQL", "/s", "—", null),
        ("postgres.createsPerSecond", "P. creates (8 clients, round-robin over the instances)", "/s", "—", null),
        ("postgres.appCpuPercent", "P. app CPU, all instances", "% of 1 core", "—", null),
        ("postgres.serverCpuPercent", "P. PostgreSQL server CPU", "% of 1 core", "—", null),
        ("postgres.machineBusyPercent", "P. machine busy (all cores)", "%", "—", null),
        ("log.firstPageMs", "6. log: first page (median of 20)", "ms", "≤ 50 ms", v => v <= 50),
        ("log.failedPageMs", "6. log: status=failed page (median)", "ms", "—", null),
        ("log.subscriptionPageMs", "6. log: subscriptionId= page (median)", "ms", "—", null),
        ("log.searchTextMs", "6. log search: text in one event's payload, with total (median)", "ms", "≤ 50 ms", v => v <= 50),
        ("log.searchIdMs", "6. log search: a full delivery id, with total (median)", "ms", "≤ 50 ms", v => v <= 50),
        ("log.searchShortIdMs", "6. log search: an 8-digit short id, with total (median)", "ms", "≤ 50 ms", v => v <= 50),
        ("log.searchCodeMs", "6. log search: a status code, with total (median)", "ms", "≤ 50 ms", v => v <= 50),
        ("filters.perEventMs", "9. filters: 1,000 subscriptions, one event", "ms", "≪ 1 ms", v => v < 1),
        ("ordering.unorderedPerSecond", "O. 10 subscriptions × distinct records, ordering none", "/s", "—", null),
        ("ordering.orderedPerSecond", "O. the same with ordering: record", "/s", "—", null),
        ("ordering.ratio", "O. ordered ÷ unordered", "%", "≥ 80%", v => v >= 80),
        ("ratelimit.achievedPerSecond", "L. one subscription at rateLimit 50: receipts/s", "/s", "≤ 50", v => v <= 50),
        ("ratelimit.busiestSecond", "L. most receipts in any one second", "receipts", "≤ 50", v => v <= 50),
        ("retention.sizeAtFirstPurgeMb", "R. database file when retention first runs", "MB", "—", null),
        ("retention.sizeAtEndMb", "R. database file at the end of the run", "MB", "—", null),
        ("retention.growthAfterFirstPurgeMb", "R. growth of the file from the first purge to the end", "MB", "≈ records' own rows", null),
        ("retention.peakWalMb", "R. largest WAL file seen", "MB", "—", null),
        ("retention.keptDeliveries", "R. deliveries kept at the end", "rows", "—", null),
        ("retention.purgedDeliveries", "R. deliveries purged during the run", "rows", "—", null),
        ("retention.longestHoldMs", "R. longest single purge batch (writer held)", "ms", "≤ 50 ms", v => v <= 50),
    ];

    void Add(string key, double value, string? note = null)
    {
        var c = Catalog.Single(c => c.Key == key);
        results.Add(key, c.Name, value, c.Unit, c.Target, c.Met, note);
    }

    public async Task RunAsync(string scenario, Func<Task> run)
    {
        var started = Stopwatch.GetTimestamp();
        try { await run(); }
        catch (Exception e)
        {
            results.Errors[scenario] = e.Message;
            System.Console.WriteLine($"[{scenario}] failed: {e}");
        }
        System.Console.WriteLine($"[{scenario}] {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        // Rows of a scenario that failed stay in the table, empty, so the JSON always has every figure.
        foreach (var c in Catalog)
            if (results.Figures.All(f => f.Key != c.Key) && Owner(c.Key) == scenario)
                results.Missing(c.Key, c.Name, c.Unit, c.Target);
    }

    static string Owner(string key) => key.Split('.')[0] switch
    {
        "recovery" => "recovery", "log" => "log", "postgres" => "postgres", "filters" => "filters", "retention" => "retention",
        "ordering" or "ratelimit" => "features", _ => "live",
    };

    void Say(string what) => System.Console.WriteLine($"  {DateTime.Now:HH:mm:ss} {what}");

    /// <summary>Scenarios 1 to 4 on one running app.</summary>
    public async Task LiveAsync()
    {
        await using var app = await StartAppAsync(Path.Combine(root, "live"));
        using var api = new Api(app);
        var raw = await RawLimitAsync();
        await ThroughputAsync(app, [api], raw, "throughput");
        await SustainedAsync(app, api, raw, size.SustainedWarmup);
        await LatencyAsync(api);
        await FanoutAsync(api);
        var hangfire = new FileInfo(Path.Combine(app.Folder!, "hangfire.db"));
        Add("hangfire.fileMb", hangfire.Length / 1e6, "after raw, throughput, sustained, latency and fan-out; succeeded jobs kept 1 h");
    }

    /// <summary>The raw limit and the sustained run alone (<c>--only sustained</c>): quick A/B runs of the write path.</summary>
    public async Task SustainedOnlyAsync()
    {
        await using var app = await StartAppAsync(Path.Combine(root, "sustained"));
        using var api = new Api(app);
        // Its warm-up as long as the run: in the full run T's warm-up and run come first, and a fresh app costs more until
        // tiering has finished.
        await SustainedAsync(app, api, await RawLimitAsync(), warmup: size.SustainedRecords);
    }

    /// <summary>T. Many subscriptions × records through the API: deliveries/s from the first create to the last receipt.</summary>
    async Task ThroughputAsync(AppProcess app, IReadOnlyList<Api> apis, double raw, string key)
    {
        var collection = $"{key}-fanout";
        await apis[0].CreateCollectionAsync(collection);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, size.Clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < size.ThroughputSubscriptions)
                await apis[0].SubscribeAsync($"{collection}-{next}", receiver.UrlOf(collection), collection);
        }));
        var sink = receiver[collection];
        // Warm-up, as long as the measured run, through every subscription: the figure is the steady state, not the JIT's
        // first minute (a fresh app spends two to three times the CPU per delivery until tiered compilation has finished).
        var warmup = Math.Max(5, size.ThroughputRecords);
        await CreateAsync(apis, collection, warmup);
        await sink.WaitForAsync(warmup * size.ThroughputSubscriptions, Stall);
        var expected = sink.Count + size.ThroughputRecords * size.ThroughputSubscriptions;
        var appCpu = app.CpuTime();
        var started = Stopwatch.GetTimestamp();
        await CreateAsync(apis, collection, size.ThroughputRecords);
        var all = await sink.WaitForAsync(expected, Stall);
        var seconds = Stopwatch.GetElapsedTime(started, sink.Last).TotalSeconds;
        var delivered = sink.Count - (expected - size.ThroughputRecords * size.ThroughputSubscriptions);
        var rate = delivered / seconds;
        var note = $"{size.ThroughputSubscriptions} × {size.ThroughputRecords}" + (all ? "" : $", only {delivered:N0} received");
        if (key == "postgres")
        {
            Add("postgres.throughputPerSecond", rate, note);
        }
        else
        {
            Add("throughput.deliveriesPerSecond", rate, note);
            Add("throughput.ratioToRaw", rate / raw * 100);
            Add("throughput.appCpuMsPerDelivery", (app.CpuTime() - appCpu).TotalSeconds * 1000 / delivered);
        }
        Say($"{key}: fan-out throughput {rate:N0} deliveries/s");
        if (!all) throw new TimeoutException($"Throughput: {delivered} of {size.ThroughputRecords * size.ThroughputSubscriptions} deliveries arrived.");
    }

    /// <summary>
    /// O. The cost of record ordering: distinct records through 10 subscriptions, first with ordering none, then with ordering
    /// record (every claim then checks each row for an earlier pending delivery of its record). L. A rate-limited subscription
    /// as its receiver sees it: receipts per second, and the busiest one-second window.
    /// </summary>
    public async Task FeaturesAsync()
    {
        await using var app = await StartAppAsync(Path.Combine(root, "features"));
        using var api = new Api(app);
        var rates = new Dictionary<string, double>();
        foreach (var ordering in new[] { "none", "record" })
        {
            var collection = $"ordering-{ordering}";
            await api.CreateCollectionAsync(collection);
            for (var s = 0; s < Sizes.OrderingSubscriptions; s++) await api.SubscribeAsync($"{collection}-{s}", receiver.UrlOf(collection), collection, ordering);
            var sink = receiver[collection];
            var expected = Sizes.OrderingSubscriptions * size.OrderingRecords;
            var started = Stopwatch.GetTimestamp();
            await CreateAsync([api], collection, size.OrderingRecords);
            if (!await sink.WaitForAsync(expected, Stall)) throw new TimeoutException($"Ordering {ordering}: {sink.Count} of {expected} deliveries arrived.");
            rates[ordering] = sink.Count / Stopwatch.GetElapsedTime(started, sink.Last).TotalSeconds;
            Say($"ordering {ordering}: {rates[ordering]:N0} deliveries/s");
        }
        var note = $"{Sizes.OrderingSubscriptions} × {size.OrderingRecords:N0} records";
        Add("ordering.unorderedPerSecond", rates["none"], note);
        Add("ordering.orderedPerSecond", rates["record"], note);
        Add("ordering.ratio", rates["record"] / rates["none"] * 100);

        await api.CreateCollectionAsync("rate-limited");
        await api.SubscribeAsync("rate-limited", receiver.UrlOf("rate-limited"), "rate-limited", rateLimit: Sizes.RateLimit);
        var limited = receiver["rate-limited"];
        await CreateAsync([api], "rate-limited", size.RateLimitDeliveries);
        if (!await limited.WaitForAsync(size.RateLimitDeliveries, Stall))
            throw new TimeoutException($"Rate limit: {limited.Count} of {size.RateLimitDeliveries} deliveries arrived.");
        var times = limited.Times.Order().ToList();
        var span = Stopwatch.GetElapsedTime(times[0], times[^1]).TotalSeconds;
        var second = Stopwatch.Frequency;
        var busiest = times.Select((t, i) => times.Skip(i).TakeWhile(u => u - t < second).Count()).Max();
        Add("ratelimit.achievedPerSecond", (times.Count - 1) / span, $"{times.Count} deliveries over {span:0.0} s");
        Add("ratelimit.busiestSecond", busiest);
        Say($"rate limit {Sizes.RateLimit}/s: {(times.Count - 1) / span:0.0}/s achieved, at most {busiest} in one second");
    }

    /// <summary>1. What a plain HttpClient gets out of the same receiver, same body size, same concurrency.</summary>
    async Task<double> RawLimitAsync()
    {
        var body = Api.WireBody("sustained");
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, UseCookies = false });
        var url = receiver.UrlOf("raw");
        async Task<int> Loop(TimeSpan duration)
        {
            var count = 0;
            var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, size.SendConcurrency).Select(async _ =>
            {
                while (Stopwatch.GetTimestamp() < until)
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new("application/json");
                    using var r = await http.PostAsync(url, content);
                    r.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref count);
                }
            }));
            return count;
        }
        await Loop(TimeSpan.FromSeconds(1));
        var started = Stopwatch.GetTimestamp();
        var sent = await Loop(TimeSpan.FromSeconds(size.RawSeconds));
        var rate = sent / Stopwatch.GetElapsedTime(started).TotalSeconds;
        Add("raw.requestsPerSecond", rate, $"{size.SendConcurrency} concurrent, {body.Length} B body");
        Say($"raw limit {rate:N0} req/s");
        return rate;
    }

    /// <summary>
    /// R. Steady writes for several minutes with retention set to one minute and purged every minute: the database file
    /// grows until the first purges, then only by the records themselves (user data, never purged), because pages freed by
    /// the purge are reused by new deliveries and events.
    /// </summary>
    public async Task RetentionAsync(int minutes, int rate)
    {
        var settings = new Dictionary<string, string>
        {
            ["Retention:Deliveries"] = "00:01:00", ["Retention:Schedule"] = "* * * * *",
            // The child app logs warnings only; the purge's own line says what it deleted.
            ["Logging:LogLevel:Centrali.Console.Operations.RetentionJob"] = "Information",
        };
        await using var app = await StartAppAsync(Path.Combine(root, "retention"), settings);
        using var api = new Api(app);
        var sink = await CollectionWithSubscriberAsync(api, "retention");
        double Size(string suffix = "") => File.Exists(app.DatabasePath + suffix) ? new FileInfo(app.DatabasePath + suffix).Length / 1e6 : 0;
        var peakWal = 0.0;
        var purges = new List<(int Deliveries, double HoldMs)>();
        void ReadPurges()
        {
            // The retention job logs one line per run that deleted anything: "Retention deleted N deliveries, … (longest X ms)."
            foreach (var (_, line) in app.Output)
                if (System.Text.RegularExpressions.Regex.Match(line, @"Retention deleted (\d+) deliveries.*\(longest ([\d.]+) ms\)") is { Success: true } m)
                    purges.Add((int.Parse(m.Groups[1].Value), double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
        }

        var count = minutes * 60 * rate;
        double? atFirstPurge = null;
        var started = Stopwatch.GetTimestamp();
        var calls = new List<Task>(count);
        var nextSample = 0;
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate) - Stopwatch.GetElapsedTime(started);
            if (due > TimeSpan.Zero) await Task.Delay(due);
            calls.Add(api.CreateRecordAsync("retention", i));
            if (i / rate / 30 < nextSample) continue;
            nextSample++;
            purges.Clear();
            ReadPurges();
            atFirstPurge ??= purges.Count > 0 ? Size() : null;
            peakWal = Math.Max(peakWal, Size("-wal"));
            Say($"retention: {i / rate} s, file {Size():0.0} MB, WAL {Size("-wal"):0.0} MB, {purges.Sum(p => p.Deliveries):N0} purged so far");
        }
        await Task.WhenAll(calls);
        if (!await sink.WaitForAsync(count, Stall)) throw new TimeoutException($"Retention: {sink.Count} of {count} deliveries arrived.");
        purges.Clear();
        ReadPurges();
        if (atFirstPurge is null) throw new InvalidOperationException("Retention never purged during the run: make it longer than two minutes.");
        var end = Size();
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={app.DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var countKept = db.CreateCommand();
        countKept.CommandText = "SELECT COUNT(*) FROM Deliveries";
        var kept = Convert.ToInt32(countKept.ExecuteScalar());
        var note = $"{count:N0} records at {rate}/s over {minutes} min, Retention:Deliveries 1 min, purged every minute; records themselves are kept";
        Add("retention.sizeAtFirstPurgeMb", atFirstPurge.Value, note);
        Add("retention.sizeAtEndMb", end);
        Add("retention.growthAfterFirstPurgeMb", end - atFirstPurge.Value);
        Add("retention.peakWalMb", peakWal, "sampled every 30 s");
        Add("retention.keptDeliveries", kept);
        Add("retention.purgedDeliveries", purges.Sum(p => p.Deliveries), $"{purges.Count} runs");
        Add("retention.longestHoldMs", purges.Max(p => p.HoldMs));
        Say($"retention: {atFirstPurge:0.0} MB at the first purge, {end:0.0} MB at the end; {kept:N0} kept, {purges.Sum(p => p.Deliveries):N0} purged");
    }

    /// <summary>Creates <paramref name="count"/> records with <see cref="Sizes.Clients"/> concurrent clients; answers each call's ms.</summary>
    Task<List<double>> CreateAsync(Api api, string collection, int count) => CreateAsync([api], collection, count);

    /// <summary>Several instances: record n goes to instance n mod count, as a round-robin load balancer would send it.</summary>
    async Task<List<double>> CreateAsync(IReadOnlyList<Api> apis, string collection, int count)
    {
        var next = -1;
        var durations = new List<double>[size.Clients];
        await Task.WhenAll(Enumerable.Range(0, size.Clients).Select(async c =>
        {
            var mine = durations[c] = [];
            int n;
            while ((n = Interlocked.Increment(ref next)) < count) mine.Add(await apis[n % apis.Count].CreateRecordAsync(collection, n));
        }));
        return durations.SelectMany(d => d).ToList();
    }

    async Task<Sink> CollectionWithSubscriberAsync(Api api, string collection)
    {
        await api.CreateCollectionAsync(collection);
        await api.SubscribeAsync(collection, receiver.UrlOf(collection), collection);
        return receiver[collection];
    }

    /// <summary>2. N records through the API, one subscription: deliveries/s from the first create to the last receipt.</summary>
    async Task SustainedAsync(AppProcess app, Api api, double raw, int warmup)
    {
        var warm = await CollectionWithSubscriberAsync(api, "sustained-warmup");
        await CreateAsync(api, "sustained-warmup", warmup);
        await warm.WaitForAsync(warmup, Stall);

        var sink = await CollectionWithSubscriberAsync(api, "sustained");
        var n = size.SustainedRecords;
        var appCpu = app.CpuTime();
        var benchCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        var creates = await CreateAsync(api, "sustained", n);
        var createSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Say($"{n} creates in {createSeconds:0.0} s; waiting for receipts ({sink.Count} so far)");
        var all = await sink.WaitForAsync(n, Stall);
        var seconds = Stopwatch.GetElapsedTime(started, sink.Last).TotalSeconds;
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var received = sink.Count;
        var rate = received / seconds;
        var note = all ? $"{n:N0} records" : $"only {received:N0} of {n:N0} received";
        Add("sustained.deliveriesPerSecond", rate, note);
        Add("sustained.ratioToRaw", rate / raw * 100);
        Add("sustained.createsPerSecond", n / createSeconds);
        var sorted = creates.Order().ToList();
        Add("sustained.createP50Ms", Results.Percentile(sorted, 50));
        Add("sustained.createP99Ms", Results.Percentile(sorted, 99));
        var appCpuSeconds = (app.CpuTime() - appCpu).TotalSeconds;
        Add("sustained.appCpuPercent", appCpuSeconds / wall * 100, $"of {Environment.ProcessorCount * 100}% on this machine");
        // Less sensitive to other load on the machine than a rate: what one record costs the app end to end.
        Add("sustained.appCpuMsPerRecord", appCpuSeconds * 1000 / n);
        Add("sustained.benchCpuPercent", (Process.GetCurrentProcess().TotalProcessorTime - benchCpu).TotalSeconds / wall * 100, "load client + receiver");
        Say($"sustained {rate:N0} deliveries/s, {n / createSeconds:N0} creates/s");
        if (!all) throw new TimeoutException($"Sustained: {received} of {n} deliveries arrived (nothing new for {Stall.TotalSeconds} s).");
    }

    /// <summary>
    /// Scale-out: scenario 2 on PostgreSQL (its own throwaway cluster, durable defaults) with <paramref name="instances"/>
    /// app processes on one database; the creates are spread over them round-robin, each instance delivers what it writes.
    /// </summary>
    public async Task PostgresSustainedAsync(int instances, int records)
    {
        var cluster = new PostgresCluster { Durable = true };
        await cluster.InitializeAsync();
        var apps = new List<AppProcess>();
        try
        {
            var database = await cluster.CreateDatabaseAsync("centrali");
            // The first one migrates and makes the key ring; the others join a ready database.
            for (var i = 0; i < instances; i++)
                apps.Add(await AppProcess.StartPostgresAsync($"postgres-{i}", database, AsShipped(), stopOnDispose: true));
            var apis = apps.Select(a => new Api(a)).ToList();
            Say($"PostgreSQL 127.0.0.1:{cluster.Port}, {instances} instance(s) ready");
            await ThroughputAsync(apps[0], apis, 0, "postgres");

            var warm = await CollectionWithSubscriberAsync(apis[0], "pg-warmup");
            await CreateAsync(apis, "pg-warmup", Math.Min(size.SustainedWarmup, 200));
            await warm.WaitForAsync(Math.Min(size.SustainedWarmup, 200), Stall);

            var sink = await CollectionWithSubscriberAsync(apis[0], "pg-sustained");
            var appCpu = apps.Select(a => a.CpuTime()).ToList();
            var serverCpu = ServerCpuSeconds(cluster);
            var machine = MachineTicks();
            var started = Stopwatch.GetTimestamp();
            await CreateAsync(apis, "pg-sustained", records);
            var createSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            Say($"{records} creates in {createSeconds:0.0} s; waiting for receipts ({sink.Count} so far)");
            var all = await sink.WaitForAsync(records, Stall);
            var seconds = Stopwatch.GetElapsedTime(started, sink.Last).TotalSeconds;
            var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var rate = sink.Count / seconds;
            var note = $"{instances} instance(s), {records:N0} records" + (all ? "" : $", only {sink.Count:N0} received");
            Add("postgres.deliveriesPerSecond", rate, note);
            Add("postgres.createsPerSecond", records / createSeconds, note);
            Add("postgres.appCpuPercent", apps.Select((a, i) => (a.CpuTime() - appCpu[i]).TotalSeconds).Sum() / wall * 100, $"{instances} process(es)");
            Add("postgres.serverCpuPercent", (ServerCpuSeconds(cluster) - serverCpu) / wall * 100, "postmaster's children");
            var (busy, total) = MachineTicks();
            Add("postgres.machineBusyPercent", (busy - machine.Busy) * 100.0 / (total - machine.Total), $"{Environment.ProcessorCount} cores, other processes included");
            Say($"postgres, {instances} instance(s): {rate:N0} deliveries/s, {records / createSeconds:N0} creates/s");
            if (!all) throw new TimeoutException($"PostgreSQL sustained: {sink.Count} of {records} deliveries arrived.");
        }
        finally
        {
            foreach (var app in apps) await app.DisposeAsync();
            await cluster.DisposeAsync();
        }
    }

    /// <summary>CPU seconds used so far by the cluster's server processes (children of its postmaster).</summary>
    static double ServerCpuSeconds(PostgresCluster cluster)
    {
        var postmaster = File.ReadLines(Path.Combine(cluster.DataFolder, "postmaster.pid")).First().Trim();
        var ticks = 0L;
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // After the name: state, ppid, …; utime and stime are the 14th and 15th fields of the whole line.
                if (fields[1] == postmaster || Path.GetFileName(dir) == postmaster) ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        }
        return ticks / 100.0;
    }

    /// <summary>Busy and total jiffies of all cores (/proc/stat).</summary>
    static (long Busy, long Total) MachineTicks()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = cpu[3] + cpu[4];
        var total = cpu.Take(8).Sum();
        return (total - idle, total);
    }

    /// <summary>3. A steady 50 creates/s: write → receipt percentiles (open loop: a slow answer does not slow the sender).</summary>
    async Task LatencyAsync(Api api)
    {
        async Task<Sink> Steady(string collection, int seconds)
        {
            var sink = await CollectionWithSubscriberAsync(api, collection);
            var count = seconds * size.LatencyRate;
            var interval = 1.0 / size.LatencyRate;
            var started = Stopwatch.GetTimestamp();
            var calls = new List<Task>(count);
            for (var i = 0; i < count; i++)
            {
                var due = TimeSpan.FromSeconds(i * interval) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero) await Task.Delay(due);
                calls.Add(api.CreateRecordAsync(collection, i));
            }
            await Task.WhenAll(calls);
            if (!await sink.WaitForAsync(count, Stall)) throw new TimeoutException($"Latency: {sink.Count} of {count} deliveries arrived.");
            return sink;
        }
        await Steady("latency-warmup", 3);
        var sink = await Steady("latency", size.LatencySeconds);
        var sorted = sink.LatenciesMs.Order().ToList();
        var note = $"{sorted.Count:N0} records in {size.LatencySeconds} s";
        Add("latency.p50Ms", Results.Percentile(sorted, 50), note);
        Add("latency.p95Ms", Results.Percentile(sorted, 95));
        Add("latency.p99Ms", Results.Percentile(sorted, 99), $"max {sorted[^1]:0} ms");
        Say($"latency p50 {Results.Percentile(sorted, 50):0.0} ms, p99 {Results.Percentile(sorted, 99):0.0} ms");
    }

    /// <summary>4. One record to many subscriptions: how long the create answers, and when the last delivery lands.</summary>
    async Task FanoutAsync(Api api)
    {
        const string collection = "fanout";
        await api.CreateCollectionAsync(collection);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, size.Clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < size.FanoutSubscriptions)
                await api.SubscribeAsync($"fanout-{next}", receiver.UrlOf(collection), collection);
        }));
        var sink = receiver[collection];
        var answers = new List<double>();
        var lasts = new List<double>();
        // Round 0 is the warm-up.
        for (var round = 0; round <= size.FanoutRounds; round++)
        {
            var expected = sink.Count + size.FanoutSubscriptions;
            var started = Stopwatch.GetTimestamp();
            var answer = await api.CreateRecordAsync(collection, round);
            if (!await sink.WaitForAsync(expected, Stall)) throw new TimeoutException($"Fan-out: {sink.Count} of {expected} deliveries arrived.");
            var last = Stopwatch.GetElapsedTime(started, sink.Last).TotalMilliseconds;
            if (round == 0) continue;
            answers.Add(answer);
            lasts.Add(last);
            Say($"fan-out round {round}: answer {answer:0} ms, last receipt {last:0} ms");
        }
        var note = $"{size.FanoutSubscriptions:N0} subscriptions, median of {size.FanoutRounds}";
        Add("fanout.answerMs", Results.Median(answers), note);
        Add("fanout.lastReceiptMs", Results.Median(lasts), note);
    }

    /// <summary>5. A restart on a database holding many due pending deliveries.</summary>
    public async Task RecoveryAsync()
    {
        const string collection = "recovery";
        var folder = Path.Combine(root, "recovery");
        Guid subscription;
        await using (var setup = await StartAppAsync(folder))
        {
            using var api = new Api(setup);
            await api.CreateCollectionAsync(collection);
            subscription = await api.SubscribeAsync(collection, receiver.UrlOf(collection), collection);
        }
        var n = size.RecoveryDeliveries;
        var seeding = Stopwatch.StartNew();
        await Seed.DeliveriesAsync(Path.Combine(folder, "centrali.db"),
            new Seed.Spec(n, 1, [subscription], collection, _ => "pending", DateTime.UtcNow.AddMinutes(-1)));
        Say($"seeded {n:N0} pending deliveries in {seeding.Elapsed.TotalSeconds:0.0} s");

        var sink = receiver[collection];
        await using var app = await StartAppAsync(folder);
        var all = await sink.WaitForAsync(n, Stall);
        var received = Stopwatch.GetElapsedTime(app.StartedAt, sink.Last).TotalSeconds;
        Add("recovery.readySeconds", app.ReadySeconds);
        if (sink.First is { } first) Add("recovery.firstReceiptSeconds", Stopwatch.GetElapsedTime(app.StartedAt, first).TotalSeconds);
        Add("recovery.allReceivedSeconds", received, all ? $"{n:N0} deliveries" : $"only {sink.Count:N0} of {n:N0}");
        Add("recovery.peakRssMb", app.PeakRssMb(), $"{n:N0} deliveries");
        Say($"recovery: all received after {received:0.0} s, peak RSS {app.PeakRssMb():0} MB");
        if (!all) throw new TimeoutException($"Recovery: {sink.Count} of {n} deliveries arrived.");
    }

    /// <summary>
    /// 9. The filters of 1,000 subscriptions against one event, the way fan-out runs them (body parsed once,
    /// each filter compiled once and cached per subscription), in this process: no app, no I/O.
    /// </summary>
    public Task FiltersAsync()
    {
        string[] shapes =
        [
            "data.amount > {0}",
            "data.status == \"paid\" && data.amount >= {0}",
            "data.tags contains \"vip\" || data.amount < {0}",
            "data.customer.country in [\"DE\", \"FR\"] && !(data.amount > {0})",
            "data.customer.email != null && (data.items > 2 || data.amount > {0})",
        ];
        var subscriptions = Enumerable.Range(0, 1_000)
            .Select(i => (Id: Guid.NewGuid(), Filter: string.Format(System.Globalization.CultureInfo.InvariantCulture, shapes[i % shapes.Length], i)))
            .ToArray();
        var body = System.Text.Encoding.UTF8.GetBytes("""
            {"event":"record_created","workspaceSlug":"default","recordSlug":"orders","recordId":"0197a0c0-0000-7000-8000-000000000000",
             "data":{"status":"paid","amount":420,"items":3,"tags":["new","vip"],"customer":{"country":"DE","email":"ada@example.com"}},
             "timestamp":"2026-11-24T10:00:00Z"}
            """);
        var filters = new SubscriptionFilters();
        int Evaluate()
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            var passed = 0;
            foreach (var s in subscriptions)
                if (filters.Passes(s.Id, s.Filter, document.RootElement)) passed++;
            return passed;
        }
        // Warm-up compiles and caches every filter, and lets the JIT settle.
        for (var i = 0; i < 200; i++) Evaluate();
        var events = size.FilterEvents;
        var started = Stopwatch.GetTimestamp();
        var matched = 0;
        for (var i = 0; i < events; i++) matched = Evaluate();
        var perEvent = Stopwatch.GetElapsedTime(started).TotalMilliseconds / events;
        Say($"filters: {perEvent:0.000} ms per event over {events:N0} events, {matched} of 1,000 pass");
        Add("filters.perEventMs", perEvent, $"{matched} of 1,000 pass; 5 shapes of filter");
        return Task.CompletedTask;
    }

    /// <summary>6. The delivery log's pages with many deliveries stored.</summary>
    public async Task LogAsync()
    {
        const string collection = "log";
        var folder = Path.Combine(root, "log");
        Guid busy, quiet;
        await using (var setup = await StartAppAsync(folder))
        {
            using var api = new Api(setup);
            await api.CreateCollectionAsync(collection);
            busy = await api.SubscribeAsync("busy", receiver.UrlOf(collection), collection);
            quiet = await api.SubscribeAsync("quiet", receiver.UrlOf(collection), collection);
        }
        var n = size.LogDeliveries;
        var seeding = Stopwatch.StartNew();
        // Nine in ten to one subscription, one in a hundred failed: the filters select a small part, as in real logs.
        Guid[] subscriptions = [.. Enumerable.Repeat(busy, 9), quiet];
        await Seed.DeliveriesAsync(Path.Combine(folder, "centrali.db"),
            new Seed.Spec(n, 10, subscriptions, collection, i => i % 100 == 7 ? "failed" : "succeeded", DateTime.UtcNow));
        Say($"seeded {n:N0} deliveries in {seeding.Elapsed.TotalSeconds:0.0} s");

        await using var app = await StartAppAsync(folder);
        using var log = new Api(app);
        async Task<double> Median(string query)
        {
            for (var i = 0; i < 3; i++) await log.DeliveryLogAsync(query);
            var times = new List<double>();
            for (var i = 0; i < 20; i++) times.Add(await log.DeliveryLogAsync(query));
            return Results.Median(times);
        }
        var note = $"{n:N0} deliveries stored";
        Add("log.firstPageMs", await Median(""), note);
        Add("log.failedPageMs", await Median("?status=failed"), "1% failed");
        Add("log.subscriptionPageMs", await Median($"?subscriptionId={quiet}"), "10% of the rows");
        // Search as the console asks for it (with the total), for things that exist once in the middle of the log.
        var (delivery, text) = await Seed.SampleAsync(Path.Combine(folder, "centrali.db"));
        Add("log.searchTextMs", await Median($"?q={Uri.EscapeDataString(text)}&count=true"), $"'{text}': one event of {n / 10:N0}");
        Add("log.searchIdMs", await Median($"?q={delivery}&count=true"), note);
        Add("log.searchShortIdMs", await Median($"?q={delivery.ToString("N")[^8..]}&count=true"), note);
        Add("log.searchCodeMs", await Median("?q=500&count=true"), "1% answered 500");
    }
}
