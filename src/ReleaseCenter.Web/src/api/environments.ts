import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, ok } from './client';
import { fetchInFlight } from './queries';

/** Deployments to an environment, newest first; with `at`, also what was live then (per model). */
export const environmentHistoryQuery = (env: string, at?: string, model?: string) =>
  queryOptions({
    queryKey: ['environment', env, 'history', at ?? '', model ?? ''],
    queryFn: () => ok(api.GET('/v1/environments/{env}/history', { params: { path: { env }, query: { at, model, limit: 100 } } })),
  });

/** The impact preview of rolling `env` back (to `toRelease`, or the default target). */
export const rollbackPreviewQuery = (env: string, model: string, toRelease?: string) =>
  queryOptions({
    queryKey: ['environment', env, 'rollback-preview', model, toRelease ?? ''],
    queryFn: () =>
      ok(api.POST('/v1/environments/{env}/rollback/preview', { params: { path: { env } }, body: { model, toRelease: toRelease ?? null } })),
    retry: false,
    staleTime: 0,
    // Another target keeps the last preview on screen until the new one arrives.
    placeholderData: keepPreviousData,
  });

export const rollbackQuery = (id: string) =>
  queryOptions({
    queryKey: ['rollback', id],
    queryFn: () => ok(api.GET('/v1/rollbacks/{id}', { params: { path: { id } } })),
    // Quick while it runs; slower while people are asked to vote; not at all once final or gone.
    refetchInterval: (q) =>
      q.state.status === 'error' || q.state.data?.isFinal ? false : q.state.data?.status === 'AwaitingApproval' ? 10_000 : 2_000,
  });

/** Every unfinished release, newest first. */
export const inFlightReleasesQuery = () =>
  queryOptions({
    queryKey: ['releases', 'in-flight'],
    queryFn: async () => (await fetchInFlight()).items,
    refetchInterval: 5_000,
  });
