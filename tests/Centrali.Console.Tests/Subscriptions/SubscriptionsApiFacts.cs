using Centrali.Console.Auth;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Secrets;
using Microsoft.Data.Sqlite;

namespace Centrali.Console.Tests.Subscriptions;

public sealed class SubscriptionsApiFacts
{
    public const string Base = "/data/workspace/default/api/v1/webhook-subscriptions";

    public static object NewBody(string url = "https://customer.example.com/webhooks", object? events = null) => new
    {
        name = "customer-acme-order-events",
        url,
        events = events ?? new[] { "record_created", "record_updated" },
        recordSlugs = new[] { "orders" },
    };

    public static async Task<ApiSubscription> CreateAsync(ConsoleApp app, object? body = null)
    {
        var response = await app.Api().PostJsonAsync(Base, body ?? NewBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.DataAsync<ApiSubscription>();
    }

    [Fact]
    public async Task Create_AnswersTheSubscriptionWithItsSecretOnce_AndTheDefaults()
    {
        await using var app = new ConsoleApp();
        var response = await app.Api().PostJsonAsync(Base, NewBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var answer = await response.Content.ReadAsStringAsync();
        var data = ApiShapes.Read<ApiOne<ApiSubscription>>(answer).Data;

        var secret = data.Secret!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.Equal($"whsec_…{secret[^4..]}", data.SecretHint);
        Assert.Equal("customer-acme-order-events", data.Name);
        Assert.Equal("https://customer.example.com/webhooks", data.Url);
        Assert.Equal(["record_created", "record_updated"], data.Events);
        Assert.Equal(["orders"], data.RecordSlugs);
        Assert.Equal("active", data.Status);
        Assert.Equal("X-Signature", data.SignatureHeader);
        Assert.Equal("sha256", data.Algorithm);
        Assert.Equal("base64", data.Encoding);
        Assert.Equal("", data.SignaturePrefix);
        Assert.Equal("closed", data.Circuit);
        // Present and null, not left out: read from the JSON itself.
        Assert.True(JsonNode.Parse(answer)!["data"]!.AsObject().ContainsKey("circuitOpenUntil"));
        Assert.Null(data.CircuitOpenUntil);
        Assert.Null(data.PreviousSecretExpiresAt);
        Assert.Null(data.Filter);
        Assert.NotEqual(default, data.CreatedAt);
        Assert.NotEqual(default, data.UpdatedAt);
        Assert.Equal($"{Base}/{data.Id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Secret_NeverAppearsInReads_TheRawTable_OrTheLogs()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var secret = created.Secret!;
        var id = created.Id;
        var rotated = (await (await app.Api().PostAsync($"{Base}/{id}/rotate-secret", null)).DataAsync<ApiSubscription>()).Secret!;
        var client = app.Api();

        var one = await client.GetStringAsync($"{Base}/{id}");
        var list = await client.GetStringAsync(Base);
        var patched = await (await client.PatchAsJsonAsync($"{Base}/{id}", new { name = "renamed" })).Content.ReadAsStringAsync();
        foreach (var answer in new[] { one, list, patched })
        {
            Assert.DoesNotContain(secret, answer);
            Assert.DoesNotContain(rotated, answer);
            Assert.DoesNotContain("\"secret\"", answer);
        }
        Assert.Contains(SubscriptionSecrets.Hint(rotated), one);

        // Every column of the row, read with plain SQL, not through the app.
        var raw = await RawRowAsync(app, id);
        Assert.DoesNotContain(raw, v => v.Contains(secret) || v.Contains(rotated) || v.Contains(rotated["whsec_".Length..]));

        Assert.NotEmpty(app.Logs);
        Assert.DoesNotContain(app.Logs, line => line.Contains(secret) || line.Contains(rotated) || line.Contains(rotated["whsec_".Length..]));
    }

    [Fact]
    public async Task Secret_DecryptsFromTheCipher_AlsoAfterARestartOnTheSameDatabase()
    {
        string folder, secret;
        Guid id;
        await using (var app = new ConsoleApp { KeepFolder = true })
        {
            var created = await CreateAsync(app);
            (folder, secret, id) = (app.Folder, created.Secret!, created.Id);
            Assert.Equal(secret, await SigningSecretAsync(app, id));
        }
        // Data Protection keys live in the database: a new process (new container) on it still signs.
        await using var restarted = new ConsoleApp(folder: folder);
        Assert.Equal(secret, await SigningSecretAsync(restarted, id));
    }

    [Fact]
    public async Task RotateSecret_AnswersANewSecretOnce_AndTheOldOneIsGone()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var id = created.Id;
        var old = created.Secret!;
        var cipherBefore = (await RawRowAsync(app, id, "SecretCipher")).Single();

        var response = await app.Api().PostAsync($"{Base}/{id}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = await response.DataAsync<ApiSubscription>();
        var fresh = data.Secret!;

        Assert.NotEqual(old, fresh);
        Assert.StartsWith("whsec_", fresh);
        Assert.Equal(SubscriptionSecrets.Hint(fresh), data.SecretHint);
        Assert.Equal(fresh, await SigningSecretAsync(app, id));
        var cipherAfter = (await RawRowAsync(app, id, "SecretCipher")).Single();
        Assert.NotEqual(cipherBefore, cipherAfter);
        Assert.Equal([""], await RawRowAsync(app, id, "PreviousSecretCipher"));
        var read = await app.Api().GetDataAsync<ApiSubscription>($"{Base}/{id}");
        Assert.Equal(SubscriptionSecrets.Hint(fresh), read.SecretHint);
        Assert.Null(read.Secret);
    }

    [Fact]
    public async Task RotateSecret_KeepsTheDeliveryHistory_AndDelete_KeepsItToo()
    {
        await using var app = new ConsoleApp();
        var id = (await CreateAsync(app)).Id;
        var deliveryId = await AddDeliveryAsync(app, id);

        Assert.Equal(HttpStatusCode.OK, (await app.Api().PostAsync($"{Base}/{id}/rotate-secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await app.Api().DeleteAsync($"{Base}/{id}")).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await app.Api().GetAsync($"{Base}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Api().DeleteAsync($"{Base}/{id}")).StatusCode);
        await using var db = await app.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await db.Deliveries.AnyAsync(d => d.Id == deliveryId && d.SubscriptionId == id));
    }

    [Fact]
    public async Task IdempotencyKey_RepeatedCreateOrRotate_AnswersTheFirstAnswer_AndStoresItEncrypted()
    {
        await using var app = new ConsoleApp();
        var client = app.Api();
        async Task<HttpResponseMessage> PostAsync(string url, object? body, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        var first = await PostAsync(Base, NewBody(), "create-1");
        var repeat = await PostAsync(Base, NewBody(), "create-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        var created = await first.DataAsync<ApiSubscription>();
        var replayed = await repeat.DataAsync<ApiSubscription>();
        Assert.Equal(created.Id, replayed.Id);
        Assert.Equal(created.Secret, replayed.Secret);
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);
        Assert.Single((await client.GetListAsync<ApiSubscription>(Base)).Data);

        var rotated = await (await PostAsync($"{Base}/{created.Id}/rotate-secret", null, "rotate-1")).DataAsync<ApiSubscription>();
        var rotatedAgain = await (await PostAsync($"{Base}/{created.Id}/rotate-secret", null, "rotate-1")).DataAsync<ApiSubscription>();
        Assert.Equal(rotated.Secret, rotatedAgain.Secret);
        Assert.Equal(rotated.Secret!, await SigningSecretAsync(app, created.Id));

        // The stored answers hold the secrets: only encrypted, like the subscription's own column.
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Body FROM IdempotentResponses";
        var bodies = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) bodies.Add(reader.GetString(0));
        Assert.Equal(2, bodies.Count);
        Assert.DoesNotContain(bodies, b => b.Contains(created.Secret!) || b.Contains(rotated.Secret!) || b.Contains("whsec_"));
    }

    [Fact]
    public async Task DottedEventAliases_AreAcceptedAndStoredUnderscored()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app, NewBody(events: new[] { "record.deleted", "record.created", "record_created" }));
        Assert.Equal(["record_created", "record_deleted"], created.Events);
        Assert.Equal(["record_created,record_deleted"], await RawRowAsync(app, created.Id, "Events"));
    }

    [Fact]
    public async Task Patch_ChangesOnlyTheFieldsInTheBody()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var id = created.Id;

        var response = await app.Api().PatchAsJsonAsync($"{Base}/{id}", new
        {
            status = "inactive",
            signatureHeader = "X-Centrali-Signature",
            algorithm = "sha512",
            encoding = "hex",
            signaturePrefix = "sha256=",
            events = new[] { "record.updated" },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = await response.DataAsync<ApiSubscription>();

        Assert.Equal("inactive", data.Status);
        Assert.Equal("X-Centrali-Signature", data.SignatureHeader);
        Assert.Equal("sha512", data.Algorithm);
        Assert.Equal("hex", data.Encoding);
        Assert.Equal("sha256=", data.SignaturePrefix);
        Assert.Equal(["record_updated"], data.Events);
        // Untouched: not in the body.
        Assert.Equal(created.Name, data.Name);
        Assert.Equal(created.Url, data.Url);
        Assert.Equal(["orders"], data.RecordSlugs);
        Assert.Equal(created.SecretHint, data.SecretHint);
        Assert.Null(data.Secret);

        var emptied = await (await app.Api().PatchAsJsonAsync($"{Base}/{id}", new { recordSlugs = Array.Empty<string>(), signaturePrefix = "" })).DataAsync<ApiSubscription>();
        Assert.Empty(emptied.RecordSlugs);
        Assert.Equal("", emptied.SignaturePrefix);
        Assert.Equal("sha512", emptied.Algorithm);
    }

    [Fact]
    public async Task Patch_RefusesTheSecret_AndAnInvalidPatchChangesNothing()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var id = created.Id;

        var withSecret = await app.Api().PatchAsJsonAsync($"{Base}/{id}", new { secret = "whsec_mine", name = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, withSecret.StatusCode);
        Assert.NotNull((await withSecret.ProblemAsync()).Errors!.GetValueOrDefault("secret"));

        var invalid = await app.Api().PatchAsJsonAsync($"{Base}/{id}", new { name = "renamed", algorithm = "md5" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var read = await app.Api().GetDataAsync<ApiSubscription>($"{Base}/{id}");
        Assert.Equal(created.Name, read.Name);
        Assert.Equal("sha256", read.Algorithm);
        Assert.Equal(created.SecretHint, read.SecretHint);
    }

    [Fact]
    public async Task UnknownOrMalformedId_Answers404()
    {
        await using var app = new ConsoleApp();
        var client = app.Api();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Base}/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PatchAsJsonAsync($"{Base}/{Guid.NewGuid()}", new { name = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"{Base}/{Guid.NewGuid()}/rotate-secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"{Base}/not-a-guid")).StatusCode);
    }

    [Fact]
    public async Task List_IsPagedNewestFirst_WithACursor()
    {
        await using var app = new ConsoleApp();
        var first = await CreateAsync(app);
        var second = await CreateAsync(app);
        var third = await CreateAsync(app);

        var page1 = await app.Api().GetListAsync<ApiSubscription>($"{Base}?limit=2");
        Assert.Equal([third.Id, second.Id], page1.Data.Select(s => s.Id));
        var cursor = page1.NextCursor!;
        var page2 = await app.Api().GetListAsync<ApiSubscription>($"{Base}?limit=2&cursor={cursor}");
        Assert.Equal([first.Id], page2.Data.Select(s => s.Id));
        Assert.Null(page2.NextCursor);
    }

    [Fact]
    public async Task Workspaces_AreIsolated_AnotherWorkspacesSubscriptionIs404()
    {
        await using var app = new ConsoleApp();
        var mine = await CreateAsync(app);
        var otherToken = await app.OtherWorkspaceTokenAsync("acme");
        var acme = app.Api(otherToken);
        const string acmeBase = "/data/workspace/acme/api/v1/webhook-subscriptions";
        var theirs = await (await acme.PostJsonAsync(acmeBase, NewBody("https://acme.example.com/hook"))).DataAsync<ApiSubscription>();

        var myId = mine.Id;
        Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync($"{acmeBase}/{myId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PatchAsJsonAsync($"{acmeBase}/{myId}", new { name = "stolen" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsync($"{acmeBase}/{myId}/rotate-secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.DeleteAsync($"{acmeBase}/{myId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync($"{Base}/{myId}")).StatusCode);

        var acmeList = (await acme.GetListAsync<ApiSubscription>(acmeBase)).Data;
        Assert.Equal([theirs.Id], acmeList.Select(s => s.Id));
        var myList = (await app.Api().GetListAsync<ApiSubscription>(Base)).Data;
        Assert.Equal([myId], myList.Select(s => s.Id));
        Assert.Equal("customer-acme-order-events", (await app.Api().GetDataAsync<ApiSubscription>($"{Base}/{myId}")).Name);
    }

    [Fact]
    public async Task Circuit_IsReadFromTheUrlsBreaker()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var until = DateTime.UtcNow.AddMinutes(5);
        await using (var db = await app.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.Circuits.Add(new Circuit { WorkspaceId = (await db.Workspaces.SingleAsync()).Id, Url = created.Url, OpenUntil = until, ConsecutiveFailures = 5 });
            await db.SaveChangesAsync();
        }
        var read = await app.Api().GetDataAsync<ApiSubscription>($"{Base}/{created.Id}");
        Assert.Equal("open", read.Circuit);
        Assert.NotNull(read.CircuitOpenUntil);
    }

    internal static async Task<string> SigningSecretAsync(ConsoleApp app, Guid id)
    {
        await using var db = await app.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var subscription = await db.Subscriptions.SingleAsync(s => s.Id == id);
        return app.Service<SubscriptionSecrets>().SigningSecret(subscription);
    }

    /// <summary>Columns of the subscription's row as text, read with plain SQL on the file.</summary>
    internal static async Task<List<string>> RawRowAsync(ConsoleApp app, Guid id, string columns = "*")
    {
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {columns} FROM Subscriptions WHERE upper(Id) = upper($id)";
        command.Parameters.AddWithValue("$id", id.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the subscription's row");
        return Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i)) ?? "").ToList();
    }

    static async Task<Guid> AddDeliveryAsync(ConsoleApp app, Guid subscriptionId)
    {
        await using var db = await app.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var workspace = await db.Workspaces.SingleAsync(w => w.Slug == "default");
        var e = new WebhookEvent { WorkspaceId = workspace.Id, Type = EventTypes.RecordCreated, CollectionSlug = "orders", Body = "{}"u8.ToArray(), CreatedAt = DateTime.UtcNow };
        var delivery = new Delivery
        {
            WorkspaceId = workspace.Id, SubscriptionId = subscriptionId, EventId = e.Id, EventType = e.Type, CollectionSlug = "orders",
            Status = DeliveryStatus.Succeeded, AttemptCount = 1, MaxAttempts = 5, LastStatusCode = 200, CreatedAt = DateTime.UtcNow,
        };
        db.Events.Add(e);
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
        return delivery.Id;
    }

    [Fact]
    public async Task AChangeToASubscription_AppliesToTheVeryNextEvent()
    {
        await using var app = new ConsoleApp();
        await using var first = await Receiver.StartAsync();
        await using var second = await Receiver.StartAsync();
        var moved = await app.SubscribeAsync(first.Url + "/hook");
        var deleted = await app.SubscribeAsync(first.Url + "/other");
        var kept = await app.SubscribeAsync(second.Url + "/kept");
        await app.RecordEventAsync();
        // The fan-out has read all three now (on SQLite it keeps them for the next events).
        await app.WaitForDeliveriesAsync(d => d.Count(x => x.Status == DeliveryStatus.Succeeded) == 3);
        var api = app.Api();
        Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"{Base}/{moved.Id}", new { url = second.Url + "/moved" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Base}/{deleted.Id}")).StatusCode);

        var next = await app.RecordEventAsync();
        // One event's deliveries are written together: once two have arrived, there is no third.
        var all = await app.WaitForDeliveriesAsync(d => d.Count(x => x.EventId == next.Id && x.Status == DeliveryStatus.Succeeded) == 2);
        Assert.Equal(new[] { moved.Id, kept.Id }.Order(), all.Where(x => x.EventId == next.Id).Select(x => x.SubscriptionId).Order());
        Assert.Contains(second.Requests, r => r.Path == "/moved");
        Assert.Equal(2, first.Requests.Count);
    }
}
