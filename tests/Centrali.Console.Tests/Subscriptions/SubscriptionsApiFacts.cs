using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Centrali.Console.Auth;
using Centrali.Console.Data;
using Centrali.Console.Tests.Infrastructure;
using Centrali.Console.Webhooks.Circuits;
using Centrali.Console.Webhooks.Deliveries;
using Centrali.Console.Webhooks.Events;
using Centrali.Console.Webhooks.Secrets;
using Centrali.Console.Webhooks.Subscriptions;
using Centrali.Console.Workspaces;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

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

    public static async Task<JsonNode> CreateAsync(ConsoleApp app, object? body = null)
    {
        var response = await app.Api().PostJsonAsync(Base, body ?? NewBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadJsonAsync())["data"]!;
    }

    [Fact]
    public async Task Create_AnswersTheSubscriptionWithItsSecretOnce_AndTheDefaults()
    {
        await using var app = new ConsoleApp();
        var response = await app.Api().PostJsonAsync(Base, NewBody());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var data = (await response.ReadJsonAsync())["data"]!;

        var secret = (string)data["secret"]!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.Equal($"whsec_…{secret[^4..]}", (string?)data["secretHint"]);
        Assert.Equal("customer-acme-order-events", (string?)data["name"]);
        Assert.Equal("https://customer.example.com/webhooks", (string?)data["url"]);
        Assert.Equal(["record_created", "record_updated"], data["events"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(["orders"], data["recordSlugs"]!.AsArray().Select(e => (string)e!));
        Assert.Equal("active", (string?)data["status"]);
        Assert.Equal("X-Signature", (string?)data["signatureHeader"]);
        Assert.Equal("sha256", (string?)data["algorithm"]);
        Assert.Equal("base64", (string?)data["encoding"]);
        Assert.Equal("", (string?)data["signaturePrefix"]);
        Assert.Equal("closed", (string?)data["circuit"]);
        Assert.True(data.AsObject().ContainsKey("circuitOpenUntil"));
        Assert.Null(data["circuitOpenUntil"]);
        Assert.Null(data["previousSecretExpiresAt"]);
        Assert.Null(data["filter"]);
        Assert.NotNull(data["createdAt"]);
        Assert.NotNull(data["updatedAt"]);
        Assert.Equal($"{Base}/{data["id"]}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Secret_NeverAppearsInReads_TheRawTable_OrTheLogs()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var secret = (string)created["secret"]!;
        var id = (string)created["id"]!;
        var rotated = (string)(await (await app.Api().PostAsync($"{Base}/{id}/rotate-secret", null)).ReadJsonAsync())["data"]!["secret"]!;
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
        string folder, secret, id;
        await using (var app = new ConsoleApp { KeepFolder = true })
        {
            var created = await CreateAsync(app);
            (folder, secret, id) = (app.Folder, (string)created["secret"]!, (string)created["id"]!);
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
        var id = (string)created["id"]!;
        var old = (string)created["secret"]!;
        var cipherBefore = (await RawRowAsync(app, id, "SecretCipher")).Single();

        var response = await app.Api().PostAsync($"{Base}/{id}/rotate-secret", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = (await response.ReadJsonAsync())["data"]!;
        var fresh = (string)data["secret"]!;

        Assert.NotEqual(old, fresh);
        Assert.StartsWith("whsec_", fresh);
        Assert.Equal(SubscriptionSecrets.Hint(fresh), (string?)data["secretHint"]);
        Assert.Equal(fresh, await SigningSecretAsync(app, id));
        var cipherAfter = (await RawRowAsync(app, id, "SecretCipher")).Single();
        Assert.NotEqual(cipherBefore, cipherAfter);
        Assert.Equal([""], await RawRowAsync(app, id, "PreviousSecretCipher"));
        var read = await (await app.Api().GetAsync($"{Base}/{id}")).ReadJsonAsync();
        Assert.Equal(SubscriptionSecrets.Hint(fresh), (string?)read["data"]!["secretHint"]);
        Assert.Null(read["data"]!["secret"]);
    }

    [Fact]
    public async Task RotateSecret_KeepsTheDeliveryHistory_AndDelete_KeepsItToo()
    {
        await using var app = new ConsoleApp();
        var id = Guid.Parse((string)(await CreateAsync(app))["id"]!);
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
        var created = (await first.ReadJsonAsync())["data"]!;
        var replayed = (await repeat.ReadJsonAsync())["data"]!;
        Assert.Equal((string?)created["id"], (string?)replayed["id"]);
        Assert.Equal((string?)created["secret"], (string?)replayed["secret"]);
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);
        Assert.Single((await (await client.GetAsync(Base)).ReadJsonAsync())["data"]!.AsArray());

        var id = (string)created["id"]!;
        var rotated = (await (await PostAsync($"{Base}/{id}/rotate-secret", null, "rotate-1")).ReadJsonAsync())["data"]!;
        var rotatedAgain = (await (await PostAsync($"{Base}/{id}/rotate-secret", null, "rotate-1")).ReadJsonAsync())["data"]!;
        Assert.Equal((string?)rotated["secret"], (string?)rotatedAgain["secret"]);
        Assert.Equal((string)rotated["secret"]!, await SigningSecretAsync(app, id));

        // The stored answers hold the secrets: only encrypted, like the subscription's own column.
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Body FROM IdempotentResponses";
        var bodies = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) bodies.Add(reader.GetString(0));
        Assert.Equal(2, bodies.Count);
        Assert.DoesNotContain(bodies, b => b.Contains((string)created["secret"]!) || b.Contains((string)rotated["secret"]!) || b.Contains("whsec_"));
    }

    [Fact]
    public async Task DottedEventAliases_AreAcceptedAndStoredUnderscored()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app, NewBody(events: new[] { "record.deleted", "record.created", "record_created" }));
        Assert.Equal(["record_created", "record_deleted"], created["events"]!.AsArray().Select(e => (string)e!));
        Assert.Equal(["record_created,record_deleted"], await RawRowAsync(app, (string)created["id"]!, "Events"));
    }

    [Fact]
    public async Task Patch_ChangesOnlyTheFieldsInTheBody()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var id = (string)created["id"]!;

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
        var data = (await response.ReadJsonAsync())["data"]!;

        Assert.Equal("inactive", (string?)data["status"]);
        Assert.Equal("X-Centrali-Signature", (string?)data["signatureHeader"]);
        Assert.Equal("sha512", (string?)data["algorithm"]);
        Assert.Equal("hex", (string?)data["encoding"]);
        Assert.Equal("sha256=", (string?)data["signaturePrefix"]);
        Assert.Equal(["record_updated"], data["events"]!.AsArray().Select(e => (string)e!));
        // Untouched: not in the body.
        Assert.Equal((string?)created["name"], (string?)data["name"]);
        Assert.Equal((string?)created["url"], (string?)data["url"]);
        Assert.Equal(["orders"], data["recordSlugs"]!.AsArray().Select(e => (string)e!));
        Assert.Equal((string?)created["secretHint"], (string?)data["secretHint"]);
        Assert.Null(data["secret"]);

        var emptied = await (await app.Api().PatchAsJsonAsync($"{Base}/{id}", new { recordSlugs = Array.Empty<string>(), signaturePrefix = "" })).ReadJsonAsync();
        Assert.Empty(emptied["data"]!["recordSlugs"]!.AsArray());
        Assert.Equal("", (string?)emptied["data"]!["signaturePrefix"]);
        Assert.Equal("sha512", (string?)emptied["data"]!["algorithm"]);
    }

    [Fact]
    public async Task Patch_RefusesTheSecret_AndAnInvalidPatchChangesNothing()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var id = (string)created["id"]!;

        var withSecret = await app.Api().PatchAsJsonAsync($"{Base}/{id}", new { secret = "whsec_mine", name = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, withSecret.StatusCode);
        Assert.NotNull((await withSecret.ReadJsonAsync())["errors"]!["secret"]);

        var invalid = await app.Api().PatchAsJsonAsync($"{Base}/{id}", new { name = "renamed", algorithm = "md5" });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var read = await (await app.Api().GetAsync($"{Base}/{id}")).ReadJsonAsync();
        Assert.Equal((string?)created["name"], (string?)read["data"]!["name"]);
        Assert.Equal("sha256", (string?)read["data"]!["algorithm"]);
        Assert.Equal((string?)created["secretHint"], (string?)read["data"]!["secretHint"]);
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

        var page1 = await (await app.Api().GetAsync($"{Base}?limit=2")).ReadJsonAsync();
        Assert.Equal([(string)third["id"]!, (string)second["id"]!], page1["data"]!.AsArray().Select(s => (string)s!["id"]!));
        var cursor = (string)page1["nextCursor"]!;
        var page2 = await (await app.Api().GetAsync($"{Base}?limit=2&cursor={cursor}")).ReadJsonAsync();
        Assert.Equal([(string)first["id"]!], page2["data"]!.AsArray().Select(s => (string)s!["id"]!));
        Assert.Null(page2["nextCursor"]);
    }

    [Fact]
    public async Task Workspaces_AreIsolated_AnotherWorkspacesSubscriptionIs404()
    {
        await using var app = new ConsoleApp();
        var mine = await CreateAsync(app);
        var otherToken = await app.OtherWorkspaceTokenAsync("acme");
        var acme = app.Api(otherToken);
        const string acmeBase = "/data/workspace/acme/api/v1/webhook-subscriptions";
        var theirs = (await (await acme.PostJsonAsync(acmeBase, NewBody("https://acme.example.com/hook"))).ReadJsonAsync())["data"]!;

        var myId = (string)mine["id"]!;
        Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync($"{acmeBase}/{myId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PatchAsJsonAsync($"{acmeBase}/{myId}", new { name = "stolen" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostAsync($"{acmeBase}/{myId}/rotate-secret", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.DeleteAsync($"{acmeBase}/{myId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync($"{Base}/{myId}")).StatusCode);

        var acmeList = (await (await acme.GetAsync(acmeBase)).ReadJsonAsync())["data"]!.AsArray();
        Assert.Equal([(string)theirs["id"]!], acmeList.Select(s => (string)s!["id"]!));
        var myList = (await (await app.Api().GetAsync(Base)).ReadJsonAsync())["data"]!.AsArray();
        Assert.Equal([myId], myList.Select(s => (string)s!["id"]!));
        Assert.Equal("customer-acme-order-events", (string?)(await (await app.Api().GetAsync($"{Base}/{myId}")).ReadJsonAsync())["data"]!["name"]);
    }

    [Fact]
    public async Task Circuit_IsReadFromTheUrlsBreaker()
    {
        await using var app = new ConsoleApp();
        var created = await CreateAsync(app);
        var until = DateTime.UtcNow.AddMinutes(5);
        await using (var db = await app.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.Circuits.Add(new Circuit { WorkspaceId = (await db.Workspaces.SingleAsync()).Id, Url = (string)created["url"]!, OpenUntil = until, ConsecutiveFailures = 5 });
            await db.SaveChangesAsync();
        }
        var read = (await (await app.Api().GetAsync($"{Base}/{created["id"]}")).ReadJsonAsync())["data"]!;
        Assert.Equal("open", (string?)read["circuit"]);
        Assert.NotNull(read["circuitOpenUntil"]);
    }

    internal static async Task<string> SigningSecretAsync(ConsoleApp app, string id)
    {
        await using var db = await app.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var subscription = await db.Subscriptions.SingleAsync(s => s.Id == Guid.Parse(id));
        return app.Service<SubscriptionSecrets>().SigningSecret(subscription);
    }

    /// <summary>Columns of the subscription's row as text, read with plain SQL on the file.</summary>
    internal static async Task<List<string>> RawRowAsync(ConsoleApp app, string id, string columns = "*")
    {
        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {columns} FROM Subscriptions WHERE upper(Id) = upper($id)";
        command.Parameters.AddWithValue("$id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the subscription's row");
        return Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i)) ?? "").ToList();
    }

    static async Task<Guid> AddDeliveryAsync(ConsoleApp app, Guid subscriptionId)
    {
        await using var db = await app.Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var workspace = await db.Workspaces.SingleAsync(w => w.Slug == "default");
        var e = new WebhookEvent { WorkspaceId = workspace.Id, Type = EventTypes.RecordCreated, RecordSlug = "orders", Body = "{}"u8.ToArray(), CreatedAt = DateTime.UtcNow };
        var delivery = new Delivery
        {
            WorkspaceId = workspace.Id, SubscriptionId = subscriptionId, EventId = e.Id, EventType = e.Type, RecordSlug = "orders",
            Status = DeliveryStatus.Succeeded, AttemptCount = 1, MaxAttempts = 5, LastStatusCode = 200, CreatedAt = DateTime.UtcNow,
        };
        db.Events.Add(e);
        db.Deliveries.Add(delivery);
        await db.SaveChangesAsync();
        return delivery.Id;
    }
}
