import { queryOptions } from '@tanstack/react-query';
import { api, ok } from './client';
import { fetchInFlight, fetchReleasePage } from './queries';
import type { components } from './schema';

type S = components['schemas'];
export type DeliveryFigures = S['DeliveryFigures'];

/** The figures of one bucket [since, until) of the window (with `interval`). */
export type DeliveryBucket = S['DeliveryBucket'];

/** The dashboard's time windows, in days; the default first. */
export const windows = [30, 7, 90] as const;
export type Window = (typeof windows)[number];

export type Interval = 'day' | 'week';
export const intervalOf = (days: Window): Interval => (days > 30 ? 'week' : 'day');

/** The window's start: UTC midnight `days - 1` days ago, so the buckets are whole calendar days (or weeks) and the last is today. */
export function windowStart(days: Window, now = Date.now()): Date {
  const today = new Date(now);
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
}

/** GET /v1/metrics/delivery over the window, per day (7 or 30 days) or per week (90 days), optionally for one project. */
export const deliveryQuery = (days: Window, project: string | undefined) =>
  queryOptions({
    queryKey: ['dashboard', 'delivery', days, project ?? ''],
    queryFn: async () => {
      const until = new Date();
      const query = { since: windowStart(days, until.getTime()).toISOString(), until: until.toISOString(), interval: intervalOf(days), project };
      return ok(api.GET('/v1/metrics/delivery', { params: { query } }));
    },
    refetchInterval: 60_000,
  });

/**
 * The releases in flight (one listing over every unfinished status; see fetchInFlight).
 */
export const inFlightQuery = () =>
  queryOptions({
    queryKey: ['dashboard', 'in-flight'],
    queryFn: fetchInFlight,
    refetchInterval: 30_000,
  });

/** One rollback: started by someone (`kind: 'rollback'`, with its id) or done by a release whose verification failed (`kind: 'automatic'`). */
export interface RollbackEvent {
  key: string;
  kind: 'rollback' | 'automatic';
  at: string;
  environment: string;
  model: string;
  /** The rollback's id (kind 'rollback'). */
  rollbackId: string | null;
  /** The release taken out of the environment, and its version when known. */
  takenOut: string | null;
  takenOutVersion: number | null;
  /** The release live again afterwards, and its version when known. */
  restored: string | null;
  restoredVersion: number | null;
  /** Why (automatic rollbacks: the failed verification). */
  reason: string | null;
}

/** How many of each environment's latest deployments are read for rollbacks. */
export const historyLimit = 50;

/**
 * Recent rollbacks, newest first: the `rollback` entries among the latest deployments of each environment
 * (GET /v1/environments/{env}/history), and the releases rolled back after a failed verification (status RolledBack).
 */
export const rollbacksQuery = (environments: string[]) =>
  queryOptions({
    queryKey: ['dashboard', 'rollbacks', environments],
    queryFn: async () => {
      const [histories, reverted] = await Promise.all([
        Promise.all(
          environments.map((env) => ok(api.GET('/v1/environments/{env}/history', { params: { path: { env }, query: { limit: historyLimit } } }))),
        ),
        fetchReleasePage({ status: 'RolledBack' }, undefined, 100),
      ]);
      const versions = new Map<string, number>();
      for (const h of histories) for (const d of h.items) versions.set(d.release, d.version);
      for (const r of reverted.items) versions.set(r.id, r.version);
      const events: RollbackEvent[] = [];
      for (const h of histories) {
        for (const d of h.items) {
          if (d.kind !== 'rollback') continue;
          events.push({
            key: `rollback-${d.rollbackId ?? d.endpointConfigName}-${d.deployedAt}`,
            kind: 'rollback',
            at: d.deployedAt,
            environment: h.environment,
            model: d.model,
            rollbackId: d.rollbackId,
            takenOut: d.replacedRelease,
            takenOutVersion: d.replacedRelease ? (versions.get(d.replacedRelease) ?? null) : null,
            restored: d.release,
            restoredVersion: d.version,
            reason: null,
          });
        }
      }
      for (const r of reverted.items) {
        for (const s of r.stages.filter((x) => x.status === 'RolledBack')) {
          const previous = s.deployment?.previousRelease ?? null;
          events.push({
            key: `automatic-${r.id}-${s.environment}`,
            kind: 'automatic',
            at: s.deployment?.reverted?.at ?? s.verification?.at ?? s.deployment?.completedAt ?? r.updatedAt,
            environment: s.environment,
            model: r.model,
            rollbackId: null,
            takenOut: r.id,
            takenOutVersion: r.version,
            restored: previous,
            restoredVersion: previous ? (versions.get(previous) ?? null) : null,
            reason: s.verification && !s.verification.healthy ? s.verification.reason : (s.failure?.error ?? s.deployment?.reverted?.message ?? null),
          });
        }
      }
      return events.sort((a, b) => b.at.localeCompare(a.at));
    },
    refetchInterval: 60_000,
  });
