/** What the host tells the console about sign-in (GET /config.json). */
export type ConsoleConfig =
  | { auth: 'local'; users: { name: string; groups: string[] }[] }
  | { auth: 'cognito'; authority: string; clientId: string; domain: string; redirectUri: string; logoutUri: string };

let pending: Promise<ConsoleConfig> | null = null;

export function loadConfig(): Promise<ConsoleConfig> {
  pending ??= fetch('/config.json', { headers: { Accept: 'application/json' } }).then(async (r) => {
    if (!r.ok) throw new Error(`The console's configuration (/config.json) answered ${r.status}.`);
    return (await r.json()) as ConsoleConfig;
  });
  return pending;
}
