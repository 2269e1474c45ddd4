import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, withQuery } from '../../api/client';
import type {
  CanarySummary,
  Deployment,
  DeploymentAction,
  DeploymentPage,
  LiveMetrics,
} from '../../api/types';
import { deploymentQuery, STATUS_GROUPS, type DeploymentFilters } from './filters';

export const PAGE_SIZE = 20;

/** One page of the deployments list; pushed events keep it fresh, nothing polls. */
export function useDeploymentPage(filters: DeploymentFilters, cursor: string | null, now: number) {
  const query = deploymentQuery(filters, { now, limit: PAGE_SIZE, cursor });
  return useQuery({
    queryKey: ['deployments', 'page', query],
    queryFn: ({ signal }) => api<DeploymentPage>(withQuery('/api/deployments', query), { signal }),
    placeholderData: keepPreviousData,
  });
}

export function useDeployment(id: string | null) {
  return useQuery({
    queryKey: ['deployment', id],
    queryFn: ({ signal }) =>
      api<Deployment>(`/api/deployments/${encodeURIComponent(id ?? '')}`, { signal }),
    enabled: id !== null,
  });
}

/**
 * The overview's counts, each from the list's `total` (one row asked for) with the same
 * statuses the card's link shows.
 */
export interface DeploymentCounts {
  total: number;
  completed: number;
  inProgress: number;
  paused: number;
  failed: number;
}

export function useDeploymentCounts() {
  return useQuery({
    queryKey: ['deployment-counts'],
    queryFn: async ({ signal }) => {
      const count = async (status?: string) =>
        (await api<DeploymentPage>(withQuery('/api/deployments', { status, limit: 1 }), { signal }))
          .total;
      // The first answer tells whether this server has deployments at all.
      const total = await count();
      const [completed, inProgress, paused, failed] = await Promise.all(
        [
          STATUS_GROUPS.completed,
          STATUS_GROUPS.inProgress,
          STATUS_GROUPS.paused,
          STATUS_GROUPS.failed,
        ].map(count),
      );
      return {
        total,
        completed: completed ?? 0,
        inProgress: inProgress ?? 0,
        paused: paused ?? 0,
        failed: failed ?? 0,
      } satisfies DeploymentCounts;
    },
  });
}

/** The environments apps are released to (an app's namespace is its environment). */
export function useEnvironments() {
  return useQuery({
    queryKey: ['apps', 'environments'],
    queryFn: async ({ signal }) => {
      const answer = await api<{ apps: { namespace: string }[] }>('/api/apps', { signal });
      return [...new Set(answer.apps.map((a) => a.namespace))].sort();
    },
    staleTime: 60_000,
  });
}

/** Seed 000's canary list. */
export function useCanaries() {
  return useQuery({
    queryKey: ['canaries'],
    queryFn: ({ signal }) => api<CanarySummary[]>('/api/canaries', { signal }),
  });
}

/** The newest release of an app in an environment, for the canary view's detail. */
export function useLatestDeploymentId(app: string | null, environment: string | null) {
  return useQuery({
    queryKey: ['deployments', 'latest', app, environment],
    queryFn: async ({ signal }) => {
      const page = await api<DeploymentPage>(
        withQuery('/api/deployments', { app, environment, limit: 1 }),
        { signal },
      );
      return page.items[0]?.id ?? null;
    },
    enabled: app !== null && environment !== null,
  });
}

/**
 * Seed 000's live metrics of an app. Nothing pushes these, so they are
 * fetched every 5 s while the release moves and every 30 s otherwise.
 */
export function useLiveMetrics(app: string, environment: string, active: boolean) {
  return useQuery({
    queryKey: ['metrics', environment, app],
    queryFn: ({ signal }) =>
      api<LiveMetrics>(withQuery('/api/metrics/', { namespace: environment, name: app }), {
        signal,
      }),
    // A server without the endpoint will not grow one: stop asking. Other failures are retried slowly.
    refetchInterval: (query) => {
      const error = query.state.error;
      if (error instanceof ApiError && error.missingEndpoint) return false;
      return active && error === null ? 5_000 : 30_000;
    },
  });
}

/**
 * Sends a pause, resume, promote, abort, rollback or retry. What the server
 * answers is the record as it now is; that, not a guess, is what the screen
 * shows.
 */
export function useDeploymentAction(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: DeploymentAction) =>
      api<Deployment>(`/api/deployments/${encodeURIComponent(id)}/${action}`, { method: 'POST' }),
    onSuccess: (record) => {
      client.setQueryData(['deployment', id], record);
      void client.invalidateQueries({ queryKey: ['deployments'] });
      void client.invalidateQueries({ queryKey: ['deployment-counts'] });
      void client.invalidateQueries({ queryKey: ['canaries'] });
    },
  });
}
