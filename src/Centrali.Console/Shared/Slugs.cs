using System.Text.RegularExpressions;

namespace Centrali.Console.Shared;

public static partial class Slugs
{
    public const string Rule = "lowercase letters, digits, '-' or '_', starting with a letter or digit, at most 63 characters";

    [GeneratedRegex("^[a-z0-9][a-z0-9-_]{0,62}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? slug) => slug is not null && Pattern().IsMatch(slug);

    public static void Check(string field, string? slug)
    {
        if (!IsValid(slug)) throw ServiceException.Invalid(field, $"'{slug}' is not a valid slug: {Rule}.");
    }
}
