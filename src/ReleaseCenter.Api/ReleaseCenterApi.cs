using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using ReleaseCenter.Api.Audit;
using ReleaseCenter.Api.Exports;
using ReleaseCenter.Api.Integrations;
using ReleaseCenter.Api.Auth;
using ReleaseCenter.Api.Http;
using ReleaseCenter.Api.Models;
using ReleaseCenter.Api.Releases;

namespace ReleaseCenter.Api;

/// <summary>How the API checks tokens. Locally the stack issues them; in AWS the HTTP API's JWT authorizer has already checked them.</summary>
public sealed record ApiAuthOptions(string Issuer, string Audience, SecurityKey SigningKey);

/// <summary>Composition of the HTTP API, shared by every host (local stack, tests, Lambda).</summary>
public static class ReleaseCenterApi
{
    /// <param name="jwt">Validate bearer tokens ourselves (local stack). Null behind API Gateway: the host then
    /// registers the default authentication scheme that turns the authorizer's claims into the principal.</param>
    public static IServiceCollection AddReleaseCenterApi(this IServiceCollection services, ApiAuthOptions? jwt)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, AuditJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Exports.ExportJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Integrations.SlackJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, DiffJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Environments.EnvironmentsJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Metrics.MetricsJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Drift.DriftJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Policies.PoliciesJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Releases.TemplatesJsonContext.Default);
            o.SerializerOptions.Converters.Add(new UtcTimestampConverter());
        });
        services.AddProblemDetails();
        Exports.ExportServices.AddExportJobs(services);
        // Slack approval: the user mapping, the signing secret (Secrets Manager), and a client to update messages.
        services.AddSingleton(sp => Integrations.SlackConfig.Parse(sp.GetRequiredService<Functions.ReleaseCenterSettings>().SlackJson));
        services.AddSingleton<Integrations.ISlackSigningSecret>(sp => new Integrations.SecretsManagerSlackSigningSecret(
            sp.GetRequiredService<Aws.Clients.SecretsManagerClient>(), sp.GetRequiredService<Functions.ReleaseCenterSettings>().SlackSecretArn,
            sp.GetRequiredService<TimeProvider>()));
        services.AddHttpClient("slack");
        // Use cases throw domain errors; this turns them into problem+json, so endpoints need no catch blocks.
        services.AddExceptionHandler<DomainErrorHandler>();
        services.AddSingleton(TimeProvider.System);
        if (jwt is not null)
        {
            services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
            {
                // Keep the token's own claim names (sub, name, groups) instead of the legacy SOAP URIs.
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Issuer,
                    ValidAudience = jwt.Audience,
                    IssuerSigningKey = jwt.SigningKey,
                    NameClaimType = "name",
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                // Why a token was refused goes into the denied-request log line; the token itself never does.
                o.Events = new JwtBearerEvents { OnAuthenticationFailed = ctx => DeniedRequestLog.RememberAuthenticationFailure(ctx.HttpContext, ctx.Exception) };
            });
        }
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.CanRead, p => p.RequireAuthenticatedUser().RequireClaim("sub"))
            // A write route lets in whoever holds the role in some project; its handler checks the project it changes (ProjectAccess).
            .AddPolicy(Roles.CanRegister, p => p.RequireAuthenticatedUser().RequireClaim("sub").RequireAssertion(ctx =>
            {
                var groups = Roles.GroupsOf(ctx.User);
                return Domain.Access.ProjectRoles.Anywhere(groups, Roles.Engineers) || Domain.Access.ProjectRoles.Anywhere(groups, Roles.Admins);
            }))
            .AddPolicy(Roles.CanAdministerProject, p => p.RequireAuthenticatedUser().RequireClaim("sub").RequireAssertion(ctx =>
                Domain.Access.ProjectRoles.Anywhere(Roles.GroupsOf(ctx.User), Roles.Admins)))
            // Environment-wide acts (freezes, freeing a lock) belong to the organization's release-admins only.
            .AddPolicy(Roles.CanAdminister, p => p.RequireAuthenticatedUser().RequireClaim("sub").RequireAssertion(ctx =>
                Roles.GroupsOf(ctx.User).Contains(Roles.Admins)));
        services.AddSingleton<ProjectAccess>();
        services.AddOpenApi("v1", o => o.Describe());
        return services;
    }

    /// <summary>Middleware and routes. Errors without a body (401, 403, 404, 405) get a problem+json body.</summary>
    public static WebApplication UseReleaseCenterApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseRequestLogScope();
        app.UseDeniedRequestLog();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapGet("/healthz", () => TypedResults.Ok(new HealthDto("ok"))).AllowAnonymous().WithTags("Operations")
            .WithSummary("Liveness check; no authentication");
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapModelsApi();
        app.MapReleasesApi();
        app.MapAuditApi();
        app.MapExportsApi();
        app.MapSlackApi();
        app.MapDiffApi();
        Environments.EnvironmentsApi.MapEnvironmentsApi(app);
        Metrics.DeliveryMetricsApi.MapDeliveryMetricsApi(app);
        Drift.DriftApi.MapDriftApi(app);
        Policies.PoliciesApi.MapPoliciesApi(app);
        Releases.TemplatesApi.MapTemplatesApi(app);
        return app;
    }
}
