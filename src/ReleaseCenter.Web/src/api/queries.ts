import { queryOptions } from '@tanstack/react-query';
import { api, ok } from './client';
import { isTerminal, type Release } from './types';

export interface ReleaseFilter {
  model?: string;
  status?: string;
  environment?: string;
  requestedBy?: string;
  since?: string;
  until?: string;
  q?: string;
}

/** One page of the catalog, newest first; `cursor` continues where the previous page ended. */
export function fetchReleasePage(filter: ReleaseFilter, cursor?: string, limit = 100) {
  return ok(api.GET('/v1/releases', { params: { query: { ...filter, limit, cursor } } }));
}

/** The statuses of a release still on its way. */
export const inFlightStatuses = ['Pending', 'Evaluating', 'AwaitingApproval', 'Deploying', 'Verifying'] as const;

/** At most this many releases in flight are read (20 API pages); `truncated` says when more were left. */
const maxInFlight = 2000;

/**
 * Every unfinished release, newest first: one listing filtered on all unfinished statuses at once
 * (`status=Pending,Evaluating,...`), pages of 100, never a release's details.
 */
export async function fetchInFlight(): Promise<{ items: Release[]; truncated: boolean }> {
  const items: Release[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchReleasePage({ status: inFlightStatuses.join(',') }, cursor, 100);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && items.length < maxInFlight);
  return { items, truncated: cursor !== undefined };
}

export const releaseQuery = (id: string) =>
  queryOptions({
    queryKey: ['release', id],
    queryFn: () => ok(api.GET('/v1/releases/{id}', { params: { path: { id } } })),
    // While the release runs, the page follows it without a reload.
    refetchInterval: (q) => (q.state.status === 'error' || (q.state.data && isTerminal(q.state.data.status)) ? false : 2_000),
  });

export const historyQuery = (id: string, running: boolean) =>
  queryOptions({
    queryKey: ['release', id, 'history'],
    queryFn: () => ok(api.GET('/v1/releases/{id}/history', { params: { path: { id } } })),
    refetchInterval: running ? 3_000 : false,
  });

export const diffAgainstLiveQuery = (id: string, environment: string) =>
  queryOptions({
    queryKey: ['release', id, 'diff', environment],
    queryFn: () => ok(api.GET('/v1/releases/{id}/diff', { params: { path: { id }, query: { against: 'live', environment } } })),
    retry: false,
  });

export const pendingApprovalsQuery = () =>
  queryOptions({
    queryKey: ['approvals', 'pending'],
    queryFn: () => ok(api.GET('/v1/approvals/pending')),
  });

export const modelsQuery = () =>
  queryOptions({
    queryKey: ['models'],
    queryFn: async () => {
      const items = [];
      let cursor: string | undefined;
      do {
        const page = await ok(api.GET('/v1/models', { params: { query: { limit: 100, cursor } } }));
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    },
  });

export const modelQuery = (name: string) =>
  queryOptions({
    queryKey: ['model', name],
    queryFn: () => ok(api.GET('/v1/models/{model}', { params: { path: { model: name } } })),
  });

export const modelPolicyQuery = (name: string) =>
  queryOptions({
    queryKey: ['model', name, 'policy'],
    queryFn: () => ok(api.GET('/v1/models/{model}/policy', { params: { path: { model: name } } })),
  });

export const versionsQuery = (name: string) =>
  queryOptions({
    queryKey: ['model', name, 'versions'],
    queryFn: async () => {
      const items = [];
      let cursor: string | undefined;
      do {
        const page = await ok(api.GET('/v1/models/{model}/versions', { params: { path: { model: name }, query: { limit: 100, cursor } } }));
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    },
  });

export const versionQuery = (name: string, version: number) =>
  queryOptions({
    queryKey: ['model', name, 'versions', version],
    queryFn: () => ok(api.GET('/v1/models/{model}/versions/{version}', { params: { path: { model: name, version } } })),
  });

export const environmentsQuery = () =>
  queryOptions({
    queryKey: ['environments'],
    queryFn: () => ok(api.GET('/v1/environments')),
    staleTime: 30_000,
  });

export const eligibilityQuery = (id: string, waitingEnvironment: string | undefined) =>
  queryOptions({
    queryKey: ['release', id, 'eligibility', waitingEnvironment ?? ''],
    queryFn: () => ok(api.GET('/v1/releases/{id}/approvals/eligibility', { params: { path: { id } } })),
  });

export const trafficQuery = (id: string, shifting: boolean) =>
  queryOptions({
    queryKey: ['release', id, 'traffic'],
    queryFn: () => ok(api.GET('/v1/releases/{id}/traffic', { params: { path: { id } } })),
    enabled: shifting,
    refetchInterval: shifting ? 2_000 : false,
  });

export const projectPolicyQuery = (project: string) =>
  queryOptions({
    queryKey: ['project', project, 'policy'],
    queryFn: () => ok(api.GET('/v1/projects/{project}/policy', { params: { path: { project } } })),
  });

export const projectPolicyHistoryQuery = (project: string) =>
  queryOptions({
    queryKey: ['project', project, 'policy', 'history'],
    queryFn: () => ok(api.GET('/v1/projects/{project}/policy/history', { params: { path: { project } } })),
  });

export const templatesQuery = (project: string) =>
  queryOptions({
    queryKey: ['project', project, 'templates'],
    queryFn: async () => (await ok(api.GET('/v1/projects/{project}/templates', { params: { path: { project } } }))).items,
  });
