using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;
using Scalar.AspNetCore;

namespace ReleaseCenter.Local;

/// <summary>A demo user the local sign-in page offers, with the groups the dev token carries.</summary>
public sealed record ConsoleUser(string Name, IReadOnlyList<string> Groups);

/// <summary>What the console learns from <c>GET /config.json</c>: locally, dev-token sign-in and the demo users.</summary>
public sealed record ConsoleConfig(string Auth, IReadOnlyList<ConsoleUser> Users);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ConsoleConfig))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;

/// <summary>
/// Serves the web console (the Vite build of src/ReleaseCenter.Web, copied to bin/console by the build) from
/// the same origin as the API, so no CORS is involved, and the API reference at /docs.
/// </summary>
public static class LocalConsole
{
    /// <summary>The demo users of the seeded story (issue 11), in the order the sign-in page lists them.</summary>
    public static readonly IReadOnlyList<ConsoleUser> DemoUsers =
    [
        new("alice", ["ml-engineers"]),
        new("sam", ["approvers-staging"]),
        new("pat", ["approvers-prod"]),
        new("quinn", ["approvers-prod"]),
        new("lena", ["release-admins"]),
    ];

    // Paths the console's client-side routes never use: they keep their own 404s (problem+json for the API).
    private static readonly string[] ServerPaths = ["/v1", "/openapi", "/docs", "/scalar", "/healthz", "/assets"];

    public static string Root => Path.Combine(AppContext.BaseDirectory, "console");

    public static WebApplication MapConsole(this WebApplication app, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        root ??= Root;
        var index = Path.Combine(root, "index.html");

        app.MapGet("/config.json", () => TypedResults.Json(new ConsoleConfig("local", DemoUsers), ConsoleJsonContext.Default.ConsoleConfig))
            .AllowAnonymous().ExcludeFromDescription();
        // The API reference for people who script against the API; its script is bundled in the package (no CDN).
        app.MapScalarApiReference("/docs", o => o
                .WithTitle("ML Release Center API")
                .WithOpenApiRoutePattern("/openapi/{documentName}.json")
                .DisableDefaultFonts()
                .AddPreferredSecuritySchemes("bearer"))
            .AllowAnonymous();

        if (Directory.Exists(root))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new PhysicalFileProvider(root),
                OnPrepareResponse = ctx =>
                {
                    // File names under /assets carry a content hash; everything else must be revalidated.
                    ctx.Context.Response.Headers[HeaderNames.CacheControl] = ctx.Context.Request.Path.StartsWithSegments("/assets")
                        ? "public, max-age=31536000, immutable"
                        : "no-cache";
                },
            });
        }

        // Client-side routes (/releases/rel-…, /models/x) get the console's index.html. A middleware, not a
        // fallback endpoint: an endpoint would answer unknown API paths with HTML and turn 405s into 200s.
        app.Use(async (ctx, next) =>
        {
            var path = ctx.Request.Path;
            var spaRoute = ctx.GetEndpoint() is null
                           && (HttpMethods.IsGet(ctx.Request.Method) || HttpMethods.IsHead(ctx.Request.Method))
                           && !ServerPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))
                           && !Path.HasExtension(path.Value);
            if (!spaRoute)
            {
                await next(ctx).ConfigureAwait(false);
                return;
            }
            ctx.Response.Headers[HeaderNames.CacheControl] = "no-cache";
            if (File.Exists(index))
            {
                ctx.Response.ContentType = "text/html; charset=utf-8";
                await ctx.Response.SendFileAsync(index, ctx.RequestAborted).ConfigureAwait(false);
                return;
            }
            ctx.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync("The console is not built. Build it with: dotnet build src/ReleaseCenter.Local (needs npm).\n",
                ctx.RequestAborted).ConfigureAwait(false);
        });
        return app;
    }
}
