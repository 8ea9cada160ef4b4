using Centrali.Console.Webhooks.Filters;

namespace Centrali.Console.Tests.Subscriptions;

/// <summary>The filter grammar, table-driven: what matches, what does not, and what is refused with its position.</summary>
public sealed class SubscriptionFilterFacts
{
    const string Body = """
        {"event":"record_created","workspaceSlug":"demo","recordSlug":"orders","recordId":"7d5a87d5-b10c-48bb-85d8-c42dbdaab417",
         "data":{"status":"pending","total":210,"price":99.99,"vip":true,"note":null,"tags":["vip","eu"],"code":"A-17",
                 "customer":{"country":"DE","name":"Ada \"the\" Lovelace"},"lines":[{"sku":"X1","qty":2}],"big":12345678901234567890},
         "timestamp":"2026-04-22T04:59:02Z"}
        """;

    static bool Evaluate(string filter)
    {
        using var doc = JsonDocument.Parse(Body);
        return SubscriptionFilter.Compile(filter).Matches(doc.RootElement);
    }

    [Theory]
    [InlineData("""data.status == "pending" && data.total >= 100""")]
    [InlineData("""event != "record_deleted" """)]
    [InlineData("""event == 'record_created'""")]
    [InlineData("""data.tags contains "vip" """)]
    [InlineData("""data.customer.country in ["DE", "FR"]""")]
    [InlineData("""data.customer.name contains "Lovelace" """)]
    [InlineData("""data.customer.name == "Ada \"the\" Lovelace" """)]
    [InlineData("""(data.total > 500 || data.vip) && !(data.status == "shipped")""")]
    [InlineData("""data.note == null""")]
    [InlineData("""data.missing == null""")]
    [InlineData("""data.status != null""")]
    [InlineData("""data.vip == true""")]
    [InlineData("""data.vip""")]
    [InlineData("""!data.missing""")]
    [InlineData("""data.price < 100 && data.price > 99.5 && data.price <= 99.99 && data.price >= 99.99""")]
    [InlineData("""data.total == 210.0 && data.total == 2.1e2""")]
    [InlineData("""data.total in [1, 210, 3]""")]
    [InlineData("""data.big == 12345678901234567890""")]
    [InlineData("""data.lines[0].sku == "X1" && data.lines[0].qty >= 2""")]
    [InlineData("""timestamp >= "2026-01-01" """)]
    [InlineData("""recordSlug == "orders" && workspaceSlug == "demo" """)]
    [InlineData("""data.code == "A-17" """)]
    [InlineData("""true""")]
    [InlineData("""data.status == "a" || data.status == "b" || data.status == "pending" """)]
    [InlineData("""!!data.vip""")]
    [InlineData("""data.total != 211""")]
    public void Matches(string filter) => Assert.True(Evaluate(filter), filter);

    [Theory]
    [InlineData("""data.status == "shipped" """)]
    [InlineData("""data.total < 100""")]
    [InlineData("""event == "record_deleted" """)]
    [InlineData("""data.tags contains "us" """)]
    [InlineData("""data.customer.country in ["US", "FR"]""")]
    [InlineData("""data.customer.country in []""")]
    [InlineData("""data.status == "PENDING" """)]
    // A missing field or a type mismatch is false, never an error.
    [InlineData("""data.missing == "x" """)]
    [InlineData("""data.missing != "x" """)]
    [InlineData("""data.missing > 1""")]
    [InlineData("""data.missing.deeper.still == 1""")]
    [InlineData("""data.missing contains "x" """)]
    [InlineData("""data.missing in ["x"]""")]
    [InlineData("""data.status > 100""")]
    [InlineData("""data.total == "210" """)]
    [InlineData("""data.total != "210" """)]
    [InlineData("""data.total contains 2""")]
    [InlineData("""data.status.deeper == "p" """)]
    [InlineData("""data.tags[5] == "vip" """)]
    [InlineData("""data.customer[0] == "DE" """)]
    [InlineData("""data.customer == "DE" """)]
    [InlineData("""data.tags == ["vip", "eu"]""")]
    [InlineData("""data.status""")]
    [InlineData("""data.vip == false""")]
    [InlineData("""data.note != null""")]
    [InlineData("""data.missing != null""")]
    [InlineData("""false""")]
    [InlineData("""!(data.status == "pending")""")]
    public void DoesNotMatch(string filter) => Assert.False(Evaluate(filter), filter);

    [Theory]
    [InlineData("""data.status == """, 16, "expected a value")]
    [InlineData("""data.status == "pending" && """, 29, "expected a value")]
    [InlineData("""data.status = "pending" """, 13, "use ==")]
    [InlineData("""data.status == "pending""", 16, "never closed")]
    [InlineData("""(data.total > 1""", 16, "never closed")]
    [InlineData("""data.total > 1)""", 15, "unexpected")]
    [InlineData("""foo == 1""", 1, "unknown field 'foo'")]
    [InlineData("""data.total > 1 && size(data.tags) > 1""", 19, "unknown function 'size'")]
    [InlineData("""matches(data.status, ".*")""", 1, "unknown function")]
    [InlineData("""data.status ~= "x" """, 13, "unexpected")]
    [InlineData("""data. == 1""", 6, "field name")]
    [InlineData("""data.tags[x] == 1""", 11, "index")]
    [InlineData("""data.status in "pending" """, 16, "needs a list")]
    [InlineData("""data.status in [data.other]""", 17, "a list holds")]
    [InlineData("""data.status in ["a" "b"]""", 21, "expected ',' or ']'")]
    [InlineData("""data.total > 1.2.3""", 14, "not a number")]
    [InlineData("""data.total > 1e999""", 14, "not a number")]
    [InlineData("""data.status == "a\q" """, 18, "unknown escape")]
    [InlineData("""42""", 3, "expected an operator")]
    [InlineData("""data.status == "a" & data.total > 1""", 20, "unexpected")]
    [InlineData("""data.status == "a" and data.total > 1""", 20, "unexpected")]
    [InlineData("""   """, 1, "empty")]
    [InlineData("""data.status == @""", 16, "expected a value")]
    public void Refuses_WithThePositionOfTheProblem(string filter, int position, string problem)
    {
        var e = Assert.Throws<FilterSyntaxException>(() => SubscriptionFilter.Compile(filter));
        Assert.Equal(position, e.Position);
        Assert.Contains(problem, e.Message);
        Assert.StartsWith($"at position {position}: ", e.Message);
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { new string('(', 10_000) + "true" + new string(')', 10_000), "at most 2000 characters" },
        { new string('(', 100) + "true" + new string(')', 100), "nested more than 64 levels" },
        { new string('!', 500) + "true", "nested more than 64 levels" },
        { "data.tags in " + new string('[', 200) + new string(']', 200), "nested more than 64 levels" },
        { "data.status == \"" + new string('x', 1_500) + "\"", "a string is at most 500 characters" },
        { "data.total == " + new string('9', 1_000), "a number is at most 40 characters" },
        { "data." + new string('a', 600) + " == 1", "a name is at most 500 characters" },
        { "data" + string.Concat(Enumerable.Repeat(".a", 40)) + " == 1", "a path has at most 32 parts" },
        { "data.tags[99999999] == 1", "index" },
        { "eval(\"process.exit()\")", "unknown function 'eval'" },
        { "constructor.prototype == 1", "unknown field 'constructor'" },
        { "data.status == \"\0\"" + "\u202e", "unexpected" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Refuses_HostileInput_WithoutThrowingAnythingElse(string filter, string problem)
    {
        var e = Assert.Throws<FilterSyntaxException>(() => SubscriptionFilter.Compile(filter));
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void DeepButAllowedNesting_Compiles_AndEvaluates()
    {
        var filter = new string('(', 60) + "data.vip" + new string(')', 60);
        Assert.True(Evaluate(filter));
        var chain = string.Join(" && ", Enumerable.Repeat("data.total > 1", 100));
        Assert.True(Evaluate(chain));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("""{"data":"just a string"}""")]
    public void NeverThrows_OnAnyBody(string body)
    {
        var filter = SubscriptionFilter.Compile("""data.status == "pending" || data.tags contains "vip" || data.x.y[0] > 1""");
        Assert.False(filter.Matches(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void Cache_CompilesOncePerSubscriptionAndText()
    {
        var cache = new SubscriptionFilters();
        var id = Guid.NewGuid();
        var first = cache.For(id, "data.vip");
        Assert.Same(first, cache.For(id, "data.vip"));
        Assert.NotSame(first, cache.For(id, "!data.vip"));
        Assert.NotSame(first, cache.For(Guid.NewGuid(), "data.vip"));
        // A broken text written around the API matches nothing instead of throwing at dispatch.
        Assert.Null(cache.For(id, "data.vip =="));
        using var doc = JsonDocument.Parse(Body);
        Assert.False(cache.Passes(id, "data.vip ==", doc.RootElement));
        Assert.True(cache.Passes(id, null, doc.RootElement));
        Assert.True(cache.Passes(id, "data.vip", doc.RootElement));
    }
}
