using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;

namespace ReleaseCenter.Lambda.Api;

public static class ApiGatewayHosting
{
    /// <summary>
    /// Serve the application from API Gateway events instead of sockets (registered after Kestrel, so it
    /// wins) and authenticate from the JWT authorizer's claims as the default scheme.
    /// </summary>
    public static IServiceCollection AddApiGatewayHosting(this IServiceCollection services)
    {
        services.AddSingleton<ApiGatewayServer>();
        services.AddSingleton<IServer>(sp => sp.GetRequiredService<ApiGatewayServer>());
        services.AddAuthentication(ApiGatewayAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiGatewayAuthenticationHandler>(ApiGatewayAuthenticationHandler.SchemeName, configureOptions: null);
        return services;
    }
}
