import { infiniteQueryOptions } from '@tanstack/react-query';
import { api, ok } from './client';
import type { components } from './schema';

export type AuditEntry = components['schemas']['AuditEntryDto'];
export type AuditVerification = components['schemas']['AuditVerificationDto'];

/** What the API filters on: exact matches, and a time range. */
export interface AuditFilter {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  subject?: string;
  project?: string;
}

export const auditPageLimit = 100; // the API's largest page

/** One page of the log, newest first; `cursor` continues where the previous page ended. */
export function fetchAuditPage(filter: AuditFilter, cursor?: string, limit = auditPageLimit) {
  return ok(api.GET('/v1/audit', { params: { query: { ...filter, limit, cursor } } }));
}

/** The log page by page: the first page shows as soon as it arrives, the next ones load when asked for. */
export const auditPagesQuery = (filter: AuditFilter) =>
  infiniteQueryOptions({
    queryKey: ['audit', filter],
    queryFn: ({ pageParam }) => fetchAuditPage(filter, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0, // a vote or rollback made a moment ago shows when the page opens
  });

/** Walks the hash chain of one project (or of every project when none is named). */
export function verifyAuditChain(project: string | undefined) {
  return ok(api.GET('/v1/audit/verify', { params: { query: project ? { project } : {} } }));
}

/** The key of an entry: unique across projects. */
export const entryKey = (e: Pick<AuditEntry, 'project' | 'seq'>) => `${e.project}/${e.seq}`;

const seg = encodeURIComponent;

/**
 * The console page an entry is about, from the forms the API writes:
 * release/{id}, rollback/{id}, model/{name}, model/{name}/versions/{n}, drift-report/{id} (the model in details),
 * environment/{env} and environment/{env}/consumer/{model}/{name}. Also bare ids (rel-..., drift-...) and names.
 * Undefined when the subject has no page.
 */
export function subjectHref(entry: Pick<AuditEntry, 'subject' | 'details'>): string | undefined {
  const subject = entry.subject ?? '';
  const parts = subject.split('/');
  const details = entry.details ?? {};
  const [kind, a, b, c] = parts;
  const model = details['model'];
  switch (kind) {
    case 'release':
      return a ? `/releases/${seg(a)}` : undefined;
    case 'rollback':
      return a ? `/rollbacks/${seg(a)}` : undefined;
    case 'model':
      if (!a) return undefined;
      if (parts.length === 2) return `/models/${seg(a)}`;
      if (b === 'versions' && c && /^\d+$/.test(c) && parts.length === 4) return `/models/${seg(a)}/versions/${c}`;
      return undefined;
    case 'drift-report':
      return a && model ? `/drift/${seg(model)}/${seg(a)}` : undefined;
    case 'environment':
      return a ? `/environments/${seg(a)}` : undefined;
    default:
      break;
  }
  if (parts.length === 1 && subject) {
    if (/^rel-[a-z0-9-]+$/.test(subject)) return `/releases/${seg(subject)}`;
    if (/^rb-[a-z0-9-]+$/.test(subject)) return `/rollbacks/${seg(subject)}`;
    if (/^drift-[a-z0-9-]+$/.test(subject) && model) return `/drift/${seg(model)}/${seg(subject)}`;
    if (model && subject === model) return `/models/${seg(subject)}`;
  }
  if (parts.length === 2 && /^\d+$/.test(parts[1] ?? '') && /^[a-z0-9-]{3,63}$/.test(parts[0] ?? '')) {
    return `/models/${seg(parts[0]!)}/versions/${parts[1]}`;
  }
  return undefined;
}
