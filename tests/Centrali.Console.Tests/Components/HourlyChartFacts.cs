using Bunit;
using Centrali.Console.Dashboard;

namespace Centrali.Console.Tests.Components;

public sealed class HourlyChartFacts : BunitContext
{
    static List<HourOutcomes> Day(params (int Hour, int Succeeded, int Failed, int Pending)[] busy)
    {
        var start = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        return Enumerable.Range(0, 24).Select(i =>
        {
            var b = busy.FirstOrDefault(x => x.Hour == i);
            return new HourOutcomes(start.AddHours(i), b.Succeeded, b.Failed, b.Pending);
        }).ToList();
    }

    [Fact]
    public void EveryHourGetsAColumn_EmptyPartsDrawNothing_AndTheBusiestHourSetsARoundScale()
    {
        var chart = Render<HourlyChart>(p => p.Add(c => c.Hours, Day((5, 3, 1, 0), (23, 12, 3, 2))));

        var bars = chart.FindAll("[data-testid=hour-bar]");
        Assert.Equal(24, bars.Count);
        // Idle hours hold no part at all (no line along the zero), busy ones only the parts they have.
        Assert.Empty(bars[0].QuerySelectorAll("[data-testid^=part-]"));
        Assert.Equal(["part-failed", "part-succeeded"], bars[5].QuerySelectorAll("[data-testid^=part-]").Select(e => e.GetAttribute("data-testid")!));
        // 17 in the busiest hour: the scale runs to 20, so its parts are 2, 3 and 12 twentieths high.
        Assert.Equal("20", chart.Find(".hourly-chart-scale span").TextContent);
        Assert.Equal("height:10%", bars[23].QuerySelector("[data-testid=part-pending]")!.GetAttribute("style"));
        Assert.Equal("height:15%", bars[23].QuerySelector("[data-testid=part-failed]")!.GetAttribute("style"));
        Assert.Equal("height:60%", bars[23].QuerySelector("[data-testid=part-succeeded]")!.GetAttribute("style"));
        Assert.Equal("23:00: 12 succeeded, 3 failed, 2 pending", bars[23].GetAttribute("title"));
        // Every third hour is labelled.
        Assert.Equal(["00:00", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"],
            chart.FindAll(".hourly-chart-hours span").Select(s => s.TextContent).Where(t => t.Length > 0));
    }
}
