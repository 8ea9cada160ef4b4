namespace Centrali.Console.Shared;

/// <summary>A rule a request broke; services throw it, the API answers it as problem+json and pages show it.</summary>
public sealed class ServiceException(int status, string title, IDictionary<string, string[]>? errors = null)
    : Exception(errors is { Count: > 0 } ? $"{title}: {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"))}" : title)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public IDictionary<string, string[]> Errors { get; } = errors ?? new Dictionary<string, string[]>();

    /// <summary>What a page shows in one line: the first field's message, or the title when no field is named.</summary>
    public string FirstMessage => Errors.Values.SelectMany(v => v).FirstOrDefault() ?? Title;

    public static ServiceException Invalid(string field, string message) =>
        new(StatusCodes.Status400BadRequest, "The request is not valid.", new Dictionary<string, string[]> { [field] = [message] });

    public static ServiceException Invalid(IDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, "The request is not valid.", errors);

    public static ServiceException NotFound(string what) => new(StatusCodes.Status404NotFound, $"{what} was not found.");

    public static ServiceException Conflict(string message) => new(StatusCodes.Status409Conflict, message);

    public static ServiceException TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, message);
}
