import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api, ok } from './client';
import { ProblemError } from './problem';
import type { components } from './schema';

type S = components['schemas'];

/**
 * The proportions per bin the report's PSI was computed from: `edges` are the inner bin edges when the report
 * came from samples, null when it came from bins. Newer APIs add it to every feature; older reports lack it.
 */
export interface FeatureBins {
  baseline: number[];
  current: number[];
  edges: number[] | null;
}
export type FeatureDrift = S['FeatureDrift'] & { bins?: FeatureBins | null };
export type DriftEvaluation = Omit<S['DriftReport'], 'features'> & { features: FeatureDrift[] };
export type DriftReport = Omit<S['DriftReportRecord'], 'evaluation'> & { evaluation: DriftEvaluation };
export type DriftVerdict = S['DriftVerdict'];
export type DriftPolicy = S['DriftPolicy'];
export type DriftPolicyRequest = S['DriftPolicyRequest'];
export type RetrainRun = S['RetrainRun'];
export type RetrainStatus = S['RetrainStatus'];
export type RetrainingPolicy = S['RetrainingPolicy'];
export type RetrainingPolicyRequest = S['RetrainingPolicyRequest'];

export const driftPageLimit = 50;

/** A model's drift reports, newest first, a page at a time. */
export const driftReportsQuery = (model: string) =>
  infiniteQueryOptions({
    queryKey: ['model', model, 'drift-reports'],
    queryFn: async ({ pageParam }) => {
      const page = await ok(
        api.GET('/v1/models/{model}/drift-reports', { params: { path: { model }, query: { limit: driftPageLimit, cursor: pageParam } } }),
      );
      return { ...page, items: page.items as DriftReport[] };
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: model !== '',
  });

export const driftReportQuery = (model: string, id: string) =>
  queryOptions({
    queryKey: ['model', model, 'drift-reports', id],
    queryFn: async () => (await ok(api.GET('/v1/models/{model}/drift-reports/{id}', { params: { path: { model, id } } }))) as DriftReport,
  });

/**
 * Whether a retraining may still move: Training always; Registered only for a while (it opens a
 * release next when the policy says so, and is final otherwise).
 */
function mayStillMove(run: RetrainRun | null | undefined): boolean {
  if (!run) return false;
  if (run.status === 'Training') return true;
  return run.status === 'Registered' && Date.now() - Date.parse(run.updatedAt ?? '') < 10 * 60_000;
}

/** What the report's retraining did; null when the report caused none (the API answers 404). */
export const retrainRunQuery = (model: string, id: string) =>
  queryOptions({
    queryKey: ['model', model, 'drift-reports', id, 'retrain'],
    queryFn: async (): Promise<RetrainRun | null> => {
      try {
        return await ok(api.GET('/v1/models/{model}/drift-reports/{id}/retrain', { params: { path: { model, id } } }));
      } catch (e) {
        if (e instanceof ProblemError && e.status === 404) return null;
        throw e;
      }
    },
    // While the pipeline trains, follow it.
    refetchInterval: (q) => (q.state.status !== 'error' && mayStillMove(q.state.data) ? 5_000 : false),
    staleTime: 15_000,
  });

export const driftPolicyQuery = (model: string) =>
  queryOptions({
    queryKey: ['model', model, 'drift-policy'],
    queryFn: () => ok(api.GET('/v1/models/{model}/drift-policy', { params: { path: { model } } })),
    enabled: model !== '',
  });

export const retrainingPolicyQuery = (model: string) =>
  queryOptions({
    queryKey: ['model', model, 'retraining-policy'],
    queryFn: () => ok(api.GET('/v1/models/{model}/retraining-policy', { params: { path: { model } } })),
    enabled: model !== '',
  });

export function putDriftPolicy(model: string, body: DriftPolicyRequest) {
  return ok(api.PUT('/v1/models/{model}/drift-policy', { params: { path: { model } }, body }));
}

export function putRetrainingPolicy(model: string, body: RetrainingPolicyRequest) {
  return ok(api.PUT('/v1/models/{model}/retraining-policy', { params: { path: { model } }, body }));
}
