namespace Centrali.Console.E2E.Infrastructure;

/// <summary>Whether a page fits its screen: no sideways scrolling of the page, and no table that scrolls inside itself.</summary>
public static class Fit
{
    const string SidewaysOverflow = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth";

    // The innermost elements that reach past the right edge (outside any clipping box), named so a failure says what to fix.
    const string Overflowing = """
        () => {
            const edge = document.documentElement.clientWidth + 0.5;
            const clipped = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
            const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > edge && !clipped(e));
            return wide.filter(e => !wide.some(o => o !== e && e.contains(o))).slice(0, 5)
                .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}${e.dataset.testid ? '[' + e.dataset.testid + ']' : ''}`).join(', ');
        }
        """;

    // Tables that scroll inside themselves: the page fits, but values are cut off at the table's right edge.
    const string ScrollingTables = """
        () => [...document.querySelectorAll('.mud-table-container')].filter(t => t.scrollWidth > t.clientWidth + 1)
            .map(t => (t.closest('[data-testid]')?.dataset.testid ?? 'table') + ' by ' + (t.scrollWidth - t.clientWidth) + ' px').join(', ')
        """;

    public static async Task AssertFitsAsync(this IPage page, string name)
    {
        var overflow = await page.EvaluateAsync<int>(SidewaysOverflow);
        var width = page.ViewportSize?.Width;
        if (overflow > 0) Assert.Fail($"{name} scrolls sideways by {overflow} px at {width} px: {await page.EvaluateAsync<string>(Overflowing)}");
        var tables = await page.EvaluateAsync<string>(ScrollingTables);
        Assert.True(tables.Length == 0, $"{name} has tables wider than the screen at {width} px: {tables}");
    }
}
