using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Centrali.Console.Tests.Infrastructure;

public static partial class ConsoleLogin
{
    /// <summary>Posts the real login form (antiforgery token and all) and returns a client holding the cookie.</summary>
    public static async Task<(HttpClient Client, HttpResponseMessage Response)> LoginAsync(this ConsoleApp app, string email, string password, HttpClient? client = null)
    {
        client ??= app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var page = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["_handler"] = "login",
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
        var response = await client.PostAsync("/account/login", form);
        return (client, response);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
