using Centrali.Console.Audit;

namespace Centrali.Console.Tests.Access;

/// <summary>Each security- or delivery-relevant change leaves one entry with who, what, target and IP; never a secret or token value.</summary>
public sealed class AuditFacts
{
    const string Base = "/data/workspace/default/api/v1";

    static async Task<List<System.Text.Json.Nodes.JsonNode>> AuditAsync(ConsoleApp app, string query = "")
    {
        var response = await app.Api().GetAsync($"{Base}/audit?limit=500{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync())["data"]!.AsArray().Select(e => e!).ToList();
    }

    [Fact]
    public async Task EveryAuditedAction_IsRecorded_WithoutAnySecretOrTokenValue()
    {
        await using var receiver = await Receiver.StartAsync();
        await using var app = new ConsoleApp();
        var api = app.Api();
        await using (var scope = app.Scope())
            await scope.ServiceProvider.GetRequiredService<Centrali.Console.Auth.UserService>()
                .CreateAsync("dev@example.com", ConsoleApp.AdminPassword, Roles.Member, mustChangePassword: false);

        var created = await (await api.PostJsonAsync($"{Base}/webhook-subscriptions",
            new { name = "audited", url = receiver.Url, events = new[] { "record_created" } })).ReadJsonAsync();
        var id = (string)created["data"]!["id"]!;
        var firstSecret = (string)created["data"]!["secret"]!;
        var patched = await api.PatchAsJsonAsync($"{Base}/webhook-subscriptions/{id}", new { url = receiver.Url + "/v2" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var rotated = await (await api.PostJsonAsync($"{Base}/webhook-subscriptions/{id}/rotate-secret", new { overlap = "PT1H" })).ReadJsonAsync();
        var secondSecret = (string)rotated["data"]!["secret"]!;
        var token = await (await api.PostJsonAsync($"{Base}/tokens", new { name = "audited token" })).ReadJsonAsync();
        var tokenValue = (string)token["data"]!["value"]!;
        await api.DeleteAsync($"{Base}/tokens/{(string)token["data"]!["id"]!}");
        await api.PutAsJsonAsync($"{Base}/members/dev@example.com", new { role = "developer" });
        await api.PutAsJsonAsync($"{Base}/members/dev@example.com", new { role = "viewer" });
        await api.DeleteAsync($"{Base}/members/dev@example.com");
        await api.PostJsonAsync($"{Base}/collections", new { name = "Doomed", slug = "doomed" });
        await api.PostRawAsync($"{Base}/collections/doomed/records", """{"a":1}""");
        await app.WaitForDeliveriesAsync(d => d.Count == 1 && d[0].Status != "pending");
        var delivery = (await app.DeliveriesAsync()).Single();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync($"{Base}/webhook-subscriptions/deliveries/{delivery.Id}/retry", null)).StatusCode);
        await api.PostJsonAsync($"{Base}/webhook-subscriptions/{id}/recover", new { since = DateTime.UtcNow.AddDays(-1) });
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Base}/collections/doomed?force=true")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{Base}/webhook-subscriptions/{id}")).StatusCode);

        var entries = await AuditAsync(app);
        var actions = entries.Select(e => (string)e["action"]!).ToList();
        foreach (var expected in new[]
        {
            AuditActions.SubscriptionCreated, AuditActions.SubscriptionUpdated, AuditActions.SecretRotated, AuditActions.TokenCreated,
            AuditActions.TokenRevoked, AuditActions.MemberAdded, AuditActions.MemberRoleChanged, AuditActions.MemberRemoved,
            AuditActions.DeliveryReplayed, AuditActions.DeliveriesRecovered, AuditActions.CollectionDeleted, AuditActions.SubscriptionDeleted,
        })
            Assert.Contains(expected, actions);

        var update = entries.Single(e => (string)e["action"]! == AuditActions.SubscriptionUpdated);
        Assert.Equal(receiver.Url, (string?)update["details"]!["oldUrl"]);
        Assert.Equal(receiver.Url + "/v2", (string?)update["details"]!["newUrl"]);
        var actor = $"{ConsoleApp.AdminEmail} (token {Centrali.Console.Auth.TokenService.Hint(ConsoleApp.Token)})";
        Assert.All(entries.Where(e => (string?)e["action"] != AuditActions.WorkspaceCreated), e => Assert.True(actor == (string?)e["actor"], $"{e["action"]}: {e["actor"]}"));
        var all = string.Join("\n", entries.Select(e => e.ToJsonString()));
        foreach (var secret in new[] { firstSecret, secondSecret, tokenValue, ConsoleApp.Token })
            Assert.DoesNotContain(secret, all);
        // Newest first.
        Assert.Equal(AuditActions.SubscriptionDeleted, actions[0]);
    }

    [Fact]
    public async Task DeliveryActions_AndOperatorWebhookChanges_AreRecorded_WithoutTheOperatorSecret()
    {
        // Retries an hour apart: after its first (refused) attempt each delivery waits, pending and not in flight.
        await using var app = new ConsoleApp(Enumerable.Range(0, 4).ToDictionary(i => $"Webhooks:RetryDelays:{i}", _ => (string?)"01:00:00"));
        var api = app.Api();
        await app.SubscribeAsync($"http://127.0.0.1:{AppProcess.FreePort()}/hook");
        for (var i = 0; i < 3; i++) await app.RecordEventAsync();
        var waiting = await app.WaitForDeliveriesAsync(d => d.Count == 3
            && d.All(x => x.Status == "pending" && x.AttemptCount == 1 && (x.LeaseUntil == null || x.LeaseUntil < DateTime.UtcNow)));
        var (now, cancel, bulk) = (waiting[0].Id, waiting[1].Id, waiting[2].Id);
        var deliveries = $"{Base}/webhook-subscriptions/deliveries";

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"{deliveries}/{now}/attempt-now", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync($"{deliveries}/{cancel}/cancel", new { reason = "endpoint retired" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync($"{deliveries}/bulk", new { action = "cancel", ids = new[] { bulk } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync($"{deliveries}/bulk", new { action = "replay", ids = new[] { cancel, bulk } })).StatusCode);

        await using var receiver = await Receiver.StartAsync();
        var set = await (await api.PatchAsJsonAsync($"{Base}/settings", new { operatorWebhookUrl = receiver.Url })).ReadJsonAsync();
        var firstSecret = (string)set["data"]!["operatorWebhookSecret"]!;
        var rotated = await (await api.PatchAsJsonAsync($"{Base}/settings", new { operatorWebhookUrl = receiver.Url + "/v2", rotateSecret = true })).ReadJsonAsync();
        var secondSecret = (string)rotated["data"]!["operatorWebhookSecret"]!;

        var entries = await AuditAsync(app);
        Assert.Equal(now.ToString(), (string?)entries.Single(e => (string)e["action"]! == AuditActions.DeliveryAttemptedNow)["target"]);
        var cancelled = entries.Single(e => (string)e["action"]! == AuditActions.DeliveryCancelled);
        Assert.Equal(cancel.ToString(), (string?)cancelled["target"]);
        Assert.Equal("endpoint retired", (string?)cancelled["details"]!["reason"]);
        var bulkCancel = entries.Single(e => (string)e["action"]! == AuditActions.DeliveriesBulkCancelled);
        Assert.Equal(1, (int)bulkCancel["details"]!["done"]!);
        var bulkReplay = entries.Single(e => (string)e["action"]! == AuditActions.DeliveriesBulkReplayed);
        Assert.Equal(2, (int)bulkReplay["details"]!["done"]!);
        var settings = entries.Where(e => (string)e["action"]! == AuditActions.OperatorWebhookChanged).ToList();
        Assert.Equal(2, settings.Count);
        Assert.Equal(receiver.Url, (string?)settings[0]["details"]!["oldUrl"]);
        Assert.Equal(receiver.Url + "/v2", (string?)settings[0]["details"]!["newUrl"]);
        Assert.True((bool)settings[0]["details"]!["secretGenerated"]!);
        var actor = $"{ConsoleApp.AdminEmail} (token {Centrali.Console.Auth.TokenService.Hint(ConsoleApp.Token)})";
        Assert.All(entries.Where(e => ((string)e["action"]!).StartsWith("delivery.") || ((string)e["action"]!).StartsWith("settings.")),
            e => Assert.Equal(actor, (string?)e["actor"]));
        var all = string.Join("\n", entries.Select(e => e.ToJsonString()));
        foreach (var secret in new[] { firstSecret, secondSecret, ConsoleApp.Token })
            Assert.DoesNotContain(secret, all);
    }

    [Fact]
    public async Task TheAuditLog_FiltersByActionPrefix_AndIsOnlyForItsWorkspace()
    {
        await using var app = new ConsoleApp();
        var other = await app.OtherWorkspaceTokenAsync("acme");
        await app.Api().PostJsonAsync($"{Base}/tokens", new { name = "a" });
        await app.Api(other).PostJsonAsync("/data/workspace/acme/api/v1/tokens", new { name = "b" });

        var tokens = await AuditAsync(app, "&action=token.");
        Assert.Equal([AuditActions.TokenCreated], tokens.Select(e => (string)e["action"]!));
        Assert.Contains("a (", (string?)tokens[0]["target"]);
    }

    [Fact]
    public async Task Logins_AndFailedLogins_AreRecordedWithTheirAddress()
    {
        await using var app = new ConsoleApp();
        await app.LoginAsync(ConsoleApp.AdminEmail, "wrong-password");
        await app.LoginAsync(ConsoleApp.AdminEmail, ConsoleApp.AdminPassword);

        await using var scope = app.Scope();
        var entries = (await scope.ServiceProvider.GetRequiredService<AuditLog>().ListAsync(null, new AuditFilter("login."))).Data;
        Assert.Equal([AuditActions.LoginSucceeded, AuditActions.LoginFailed], entries.Select(e => e.Action));
        Assert.All(entries, e => Assert.Equal(ConsoleApp.AdminEmail, e.Actor));
        Assert.DoesNotContain("wrong-password", string.Join(" ", entries.Select(e => e.Details?.ToString())));
    }

    [Fact]
    public async Task AnEntry_RecordsTheCallersAddress()
    {
        await using var app = new ConsoleApp();
        var token = await (await app.Api().PostJsonAsync($"{Base}/tokens", new { name = "from afar" })).ReadJsonAsync();
        var context = await app.Server.SendAsync(http =>
        {
            http.Request.Method = "DELETE";
            http.Request.Path = $"{Base}/tokens/{(string)token["data"]!["id"]!}";
            http.Request.Headers.Authorization = $"Bearer {ConsoleApp.Token}";
            http.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
        });
        Assert.Equal(204, context.Response.StatusCode);

        var entry = (await AuditAsync(app, "&action=token.revoked")).Single();
        Assert.Equal("203.0.113.7", (string?)entry["ip"]);
    }

    [Fact]
    public async Task OldEntries_ArePruned_PerRetention()
    {
        await using var app = new ConsoleApp();
        await using var scope = app.Scope();
        var audit = scope.ServiceProvider.GetRequiredService<AuditLog>();
        await audit.RecordAsync(null, "test", AuditActions.UserCreated, "old@example.com", null, null);
        Assert.NotEmpty((await audit.ListAsync(null, new AuditFilter(AuditActions.UserCreated))).Data);

        var deleted = await audit.PruneAsync(DateTime.UtcNow.AddSeconds(1));

        Assert.True(deleted >= 1);
        Assert.Empty((await audit.ListAsync(null, new AuditFilter(AuditActions.UserCreated))).Data);
    }
}
