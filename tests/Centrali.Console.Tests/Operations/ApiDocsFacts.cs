namespace Centrali.Console.Tests.Operations;

public sealed class ApiDocsFacts
{
    static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public async Task EveryEndpoint_HasASummaryADescriptionExamplesAndItsErrorAnswers()
    {
        await using var app = new ConsoleApp();
        using var client = app.Api(token: null);
        var document = await (await client.GetAsync("/openapi/v1.json")).ReadJsonAsync();
        Assert.Contains("X-Centrali-Event-Id", (string?)document["info"]!["description"]);
        Assert.Contains("webhook-signature", (string?)document["info"]!["description"]);
        Assert.Equal("bearer", (string?)document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]);

        var operations = 0;
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, op) in item!.AsObject().Where(p => Methods.Contains(p.Key)))
            {
                var name = $"{method.ToUpperInvariant()} {path}";
                operations++;
                Assert.False(string.IsNullOrWhiteSpace((string?)op!["summary"]), name + " has no summary");
                Assert.False(string.IsNullOrWhiteSpace((string?)op["description"]), name + " has no description");
                var responses = op["responses"]!.AsObject();
                foreach (var status in new[] { "401", "404" })
                {
                    Assert.True(responses.ContainsKey(status), $"{name} does not document {status}");
                    Assert.NotNull(responses[status]!["content"]!["application/problem+json"]);
                }
                if (op["requestBody"] is { } body)
                    Assert.True(body["content"]!.AsObject().Any(c => c.Value!["example"] is not null), name + " has no request example");
                var success = responses.Where(r => r.Key.StartsWith('2') && r.Key != "204").ToList();
                Assert.True(success.Count > 0 || responses.ContainsKey("204"), name + " documents no success");
                foreach (var (_, answer) in success)
                    Assert.True(answer!["content"]!.AsObject().Any(c => c.Value!["example"] is JsonObject), name + " has no response example");
            }
        // whoami, 6 subscription, 5 collection, 6 record and 6 delivery calls at least.
        Assert.True(operations >= 24, $"only {operations} operations are documented");
        var records = document["paths"]!["/data/workspace/{workspace}/api/v1/collections/{slug}/records"]!["post"]!;
        Assert.True(records["responses"]!.AsObject().ContainsKey("413"));
        Assert.NotNull(records["responses"]!["400"]);
    }

    [Fact]
    public async Task ApiDocs_ServesTheReferencePage()
    {
        await using var app = new ConsoleApp();
        using var client = app.CreateClient();
        var page = await client.GetAsync("/api-docs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Centrali Console API", html);
        Assert.Contains("scalar", html, StringComparison.OrdinalIgnoreCase);
    }
}
