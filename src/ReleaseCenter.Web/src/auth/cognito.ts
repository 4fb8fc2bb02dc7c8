import type { ConsoleConfig } from './config';
import { saveSession, sessionFromToken } from './session';

type Cognito = Extract<ConsoleConfig, { auth: 'cognito' }>;

// oidc-client-ts is loaded only when the deployment uses Cognito; the local stack never downloads it.
async function manager(config: Cognito) {
  const { UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  return new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    response_type: 'code', // authorization code flow; oidc-client-ts adds PKCE (S256)
    scope: 'openid email profile',
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
  });
}

export async function signInWithCognito(config: Cognito, returnTo: string) {
  const m = await manager(config);
  await m.signinRedirect({ state: { returnTo } });
}

/** Finishes the hosted UI's redirect; returns where to go next. */
export async function completeCognitoSignIn(config: Cognito): Promise<string> {
  const m = await manager(config);
  const user = await m.signinCallback();
  if (!user) throw new Error('Cognito did not return a user.');
  const session = sessionFromToken(user.access_token, user.expires_at ? new Date(user.expires_at * 1000).toISOString() : undefined, 'cognito');
  const profile = user.profile as Record<string, unknown>;
  saveSession({ ...session, user: String(profile['cognito:username'] ?? profile['email'] ?? session.user) });
  const state = user.state as { returnTo?: string } | undefined;
  return state?.returnTo ?? '/releases';
}

export function cognitoLogoutUrl(config: Cognito): string {
  const q = new URLSearchParams({ client_id: config.clientId, logout_uri: config.logoutUri });
  return `https://${config.domain}/logout?${q.toString()}`;
}
