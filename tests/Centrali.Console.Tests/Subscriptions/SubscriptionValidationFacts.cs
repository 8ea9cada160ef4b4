namespace Centrali.Console.Tests.Subscriptions;

/// <summary>Every rule of a subscription's fields answers 400 problem+json with the error under the field's name.</summary>
public sealed class SubscriptionValidationFacts(SharedApp shared) : IClassFixture<SharedApp>
{
    const string Base = SubscriptionsApiFacts.Base;

    static async Task AssertRefusedAsync(ConsoleApp app, string json, string field)
    {
        var response = await app.Api().PostRawAsync(Base, json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadJsonAsync();
        Assert.Equal(400, (int?)body["status"]);
        Assert.True(body["errors"]?[field] is JsonArray { Count: > 0 }, $"errors.{field} in {body.ToJsonString()}");
    }

    static string Body(string overrides) =>
        "{" + $"\"name\":\"n\",\"url\":\"https://customer.example.com/hook\",\"events\":[\"record_created\"]{(overrides.Length > 0 ? "," : "")}{overrides}" + "}";

    [Theory]
    [InlineData("""{"url":"https://customer.example.com/hook","events":["record_created"]}""", "name")]
    [InlineData("""{"name":"  ","url":"https://customer.example.com/hook","events":["record_created"]}""", "name")]
    [InlineData("""{"name":"n","events":["record_created"]}""", "url")]
    [InlineData("""{"name":"n","url":"/relative/hook","events":["record_created"]}""", "url")]
    [InlineData("""{"name":"n","url":"ftp://customer.example.com/hook","events":["record_created"]}""", "url")]
    [InlineData("""{"name":"n","url":"not a url","events":["record_created"]}""", "url")]
    [InlineData("""{"name":"n","url":"https://customer.example.com/hook"}""", "events")]
    [InlineData("""{"name":"n","url":"https://customer.example.com/hook","events":[]}""", "events")]
    [InlineData("""{"name":"n","url":"https://customer.example.com/hook","events":["record_exploded"]}""", "events")]
    [InlineData("""{"name":"n","url":"https://customer.example.com/hook","events":["webhook_test"]}""", "events")]
    public async Task Create_RefusesMissingOrInvalidNameUrlOrEvents(string json, string field)
    {
        var app = shared.App;
        await AssertRefusedAsync(app, json, field);
    }

    [Theory]
    [InlineData("\"recordSlugs\":[\"Orders\"]", "recordSlugs")]
    [InlineData("\"recordSlugs\":[\"orders\",\"-bad\"]", "recordSlugs")]
    [InlineData("\"status\":\"paused\"", "status")]
    [InlineData("\"algorithm\":\"md5\"", "algorithm")]
    [InlineData("\"algorithm\":\"SHA256\"", "algorithm")]
    [InlineData("\"encoding\":\"base32\"", "encoding")]
    [InlineData("\"signatureHeader\":\"X Signature\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"X-Sig:nature\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"Host\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"content-length\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"Content-Type\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"Transfer-Encoding\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"Connection\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"User-Agent\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"webhook-signature\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"X-Centrali-Event-Id\"", "signatureHeader")]
    [InlineData("\"signatureHeader\":\"X-Centrali-Delivery-Id\"", "signatureHeader")]
    [InlineData("\"signaturePrefix\":\"sha256 =\"", "signaturePrefix")]
    [InlineData("\"signaturePrefix\":\"v1\\r\\nX-Evil: 1\"", "signaturePrefix")]
    [InlineData("\"signaturePrefix\":\"é=\"", "signaturePrefix")]
    [InlineData("\"signaturePrefix\":\"123456789012345678901234567890123\"", "signaturePrefix")]
    [InlineData("\"secret\":\"whsec_chosen_by_me\"", "secret")]
    public async Task Create_RefusesInvalidFilterOrSignatureSettings(string field_json, string field)
    {
        var app = shared.App;
        await AssertRefusedAsync(app, Body(field_json), field);
    }

    [Theory]
    [InlineData("""{"name":"n","url":"https://customer.example.com/hook","events":"record_created"}""")]
    [InlineData("""{"name":"n","url":"https://customer.example.com/hook","events":["record_created"]""")]
    [InlineData("")]
    public async Task Create_RefusesABodyThatIsNotASubscription(string json)
    {
        var app = shared.App;
        var response = await app.Api().PostRawAsync(Base, json);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_ReportsEveryBrokenFieldAtOnce()
    {
        var app = shared.App;
        var response = await app.Api().PostRawAsync(Base, """{"url":"ftp://x","events":[],"algorithm":"md5"}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadJsonAsync())["errors"]!.AsObject();
        Assert.Equal(["algorithm", "events", "name", "url"], errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task Create_AcceptsTheOlderGuidesSignatureForm_AndAValidTokenHeader()
    {
        var app = shared.App;
        var response = await app.Api().PostRawAsync(Base, Body(
            "\"signatureHeader\":\"X-Centrali-Signature\",\"algorithm\":\"sha256\",\"encoding\":\"hex\",\"signaturePrefix\":\"sha256=\",\"status\":\"inactive\",\"recordSlugs\":[\"orders\",\"order_lines-2\"]"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var data = (await response.ReadJsonAsync())["data"]!;
        Assert.Equal("X-Centrali-Signature", (string?)data["signatureHeader"]);
        Assert.Equal("inactive", (string?)data["status"]);

        var odd = await app.Api().PostRawAsync(Base, Body("\"signatureHeader\":\"x-hub-signature~2\",\"algorithm\":\"sha1\",\"signaturePrefix\":\"t=1,v1=\""));
        Assert.Equal(HttpStatusCode.Created, odd.StatusCode);
    }
}
