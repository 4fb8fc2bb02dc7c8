import { useSyncExternalStore } from 'react';

/** Who is signed in, as the console keeps it. The token is the API's bearer token. */
export interface Session {
  token: string;
  expiresAt: string;
  user: string;
  groups: string[];
  /** How the session was made: the local stack's dev tokens, or Cognito's hosted UI. */
  via: 'local' | 'cognito';
}

const key = 'rc.session';
const listeners = new Set<() => void>();
let cachedRaw: string | null = null;
let cached: Session | null = null;

function read(): Session | null {
  const raw = localStorage.getItem(key);
  if (raw !== cachedRaw) {
    cachedRaw = raw;
    try {
      cached = raw ? (JSON.parse(raw) as Session) : null;
    } catch {
      cached = null;
    }
  }
  if (cached && Date.parse(cached.expiresAt) <= Date.now()) return null;
  return cached;
}

function emit() {
  for (const l of listeners) l();
}

window.addEventListener('storage', (e) => {
  if (e.key === key) emit();
});

export function currentSession(): Session | null {
  return read();
}

export function saveSession(s: Session) {
  localStorage.setItem(key, JSON.stringify(s));
  emit();
}

export function clearSession() {
  localStorage.removeItem(key);
  emit();
}

export function useSession(): Session | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
  );
}

/** The claims the API reads (sub, name, groups or cognito:groups), decoded without checking: the API checks. */
export function sessionFromToken(token: string, expiresAt: string | undefined, via: Session['via']): Session {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
  const groupClaim = claims['cognito:groups'] ?? claims['groups'] ?? [];
  const groups = Array.isArray(groupClaim) ? groupClaim.map(String) : String(groupClaim).split(',').filter(Boolean);
  const user = String(claims['username'] ?? claims['cognito:username'] ?? claims['name'] ?? claims['sub'] ?? 'unknown');
  const exp = typeof claims['exp'] === 'number' ? new Date(claims['exp'] * 1000).toISOString() : undefined;
  return { token, expiresAt: expiresAt ?? exp ?? new Date(Date.now() + 3600_000).toISOString(), user, groups, via };
}

/** The groups the API lets register, release, cancel, roll back and change policies (docs/api.md). */
const writers = ['ml-engineers', 'release-admins'];

/** Whether a group gives the role, globally ("ml-engineers") or in some project ("payments:ml-engineers"). */
function holds(group: string, role: string): boolean {
  return group === role || (group.endsWith(`:${role}`) && group.indexOf(':') === group.length - role.length - 1);
}

/** Whether the signed-in person may make changes (release, cancel, roll back) in some project; the API decides in the end. */
export function canChange(session: Session | null): boolean {
  return !!session?.groups.some((g) => writers.some((w) => holds(g, w)));
}

/** Whether the signed-in person is a release-admin of some project (policies, holds, out-of-band changes); the API decides in the end. */
export function isAdmin(session: Session | null): boolean {
  return !!session?.groups.some((g) => holds(g, 'release-admins'));
}

/** Whether the signed-in person is one of the organization's release-admins (freezing a whole environment, unlocking by hand). */
export function isOrgAdmin(session: Session | null): boolean {
  return !!session?.groups.includes('release-admins');
}

/** Whether the signed-in person holds the role in this project: globally ("release-admins") or for it ("retail:release-admins"). */
function holdsIn(session: Session | null, role: string, project: string): boolean {
  return !!session?.groups.some((g) => g === role || g === `${project}:${role}`);
}

/** Whether the signed-in person is a release-admin of this project (its policy, templates and freezes); the API decides in the end. */
export function isAdminOf(session: Session | null, project: string): boolean {
  return holdsIn(session, 'release-admins', project);
}

/** Whether the signed-in person may release this project's models; the API decides in the end. */
export function canChangeIn(session: Session | null, project: string): boolean {
  return writers.some((w) => holdsIn(session, w, project));
}
