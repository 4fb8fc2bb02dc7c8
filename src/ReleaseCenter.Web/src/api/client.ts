import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ProblemError } from './problem';
import { clearSession, currentSession } from '../auth/session';

const auth: Middleware = {
  onRequest({ request }) {
    const s = currentSession();
    if (s) request.headers.set('Authorization', `Bearer ${s.token}`);
    return request;
  },
  onResponse({ response }) {
    // An expired or revoked token: sign out and come back here after signing in again.
    if (response.status === 401 && currentSession()) {
      clearSession();
      const returnTo = window.location.pathname + window.location.search;
      window.location.assign(`/sign-in?returnTo=${encodeURIComponent(returnTo)}&expired=1`);
    }
    return response;
  },
};

/** The API client, typed from the OpenAPI description (src/api/schema.d.ts is generated from openapi.json). */
export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

/** Resolves to the body of a 2xx answer; throws a ProblemError for any other. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (e) {
    throw new ProblemError(0, { detail: e instanceof Error ? e.message : String(e) });
  }
  if (!result.response.ok) throw new ProblemError(result.response.status, result.error);
  return result.data as T;
}

/** Downloads a streamed export (CSV or JSONL) with the caller's token and saves it under the server's file name. */
export async function download(path: string, params: Record<string, string | undefined>, fallbackName: string) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = currentSession();
  const response = await fetch(`${path}?${q.toString()}`, { headers: s ? { Authorization: `Bearer ${s.token}` } : {} });
  if (!response.ok) {
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    throw new ProblemError(response.status, body);
  }
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
