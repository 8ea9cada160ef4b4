using Bunit;
using Centrali.Console.Components.Shared;
using MudBlazor.Services;

namespace Centrali.Console.Tests.Components;

public sealed class UrlFilterFieldFacts : BunitContext
{
    readonly List<string?> sentToUrl = [];

    public UrlFilterFieldFacts()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    IRenderedComponent<UrlFilterField> RenderField(string? url) =>
        Render<UrlFilterField>(p => p.Add(f => f.Value, url).Add(f => f.ValueChanged, v => sentToUrl.Add(v)).AddUnmatched("data-testid", "search"));

    [Fact]
    public void TypedText_SurvivesTheLiveLogsReRenders_AndReachesTheUrlOnceTypingPauses()
    {
        var field = RenderField(null);

        field.Find("input").Input("zeppelin");
        // The live log re-renders its page while the user types: the URL still has no filter.
        field.Render(p => p.Add(f => f.Value, null));
        Assert.Equal("zeppelin", field.Find("input").GetAttribute("value"));
        Assert.Empty(sentToUrl);

        field.WaitForAssertion(() => Assert.Equal(["zeppelin"], sentToUrl), TimeSpan.FromSeconds(5));
        // The URL catching up with the text, while more was typed, leaves the box alone.
        field.Find("input").Input("zeppelin-2");
        field.Render(p => p.Add(f => f.Value, "zeppelin"));
        Assert.Equal("zeppelin-2", field.Find("input").GetAttribute("value"));
        field.WaitForAssertion(() => Assert.Equal(["zeppelin", "zeppelin-2"], sentToUrl), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void AUrlChangedElsewhere_ReplacesTheBox_AndClearingSendsAtOnce()
    {
        var field = RenderField("first");
        Assert.Equal("first", field.Find("input").GetAttribute("value"));

        // "Clear filters" or the back button: the URL moved without the box.
        field.Render(p => p.Add(f => f.Value, "second"));
        Assert.Equal("second", field.Find("input").GetAttribute("value"));

        field.Find("input").Input("");
        Assert.Equal([null], sentToUrl);
    }
}
