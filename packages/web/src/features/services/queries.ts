import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client';
import type { Service, ServiceDefinition } from '../../api/types';

type ServiceList = { services: Service[]; total: number; nextCursor: string | null };

const LIST_KEY = ['services'] as const;
const path = (name: string) => `/api/services/${encodeURIComponent(name)}`;

/**
 * Status changes are pushed (service.* events); CPU and memory are sampled,
 * so the list is fetched every 10 s while it is shown, and every 2 s while
 * a rolling restart moves through the instances.
 */
export function useServices(query: Record<string, string | null> = {}) {
  return useQuery({
    queryKey: [...LIST_KEY, query],
    queryFn: ({ signal }) => api<ServiceList>(withQuery('/api/services', query), { signal }),
    refetchInterval: (current) =>
      current.state.data?.services.some((s) => s.rolling) === true ? 2_000 : 10_000,
    placeholderData: (previous) => previous,
  });
}

/** One service, for a service that is not on the page of the list shown. */
export function useService(name: string | undefined) {
  return useQuery({
    queryKey: ['service', name ?? ''],
    queryFn: ({ signal }) => api<Service>(path(name ?? ''), { signal }),
    enabled: name !== undefined,
  });
}

/** Puts what the server answered into the list at once, then asks for the list again. */
function settle(client: QueryClient, name: string, view: Service | null): void {
  // Every page held: the service is replaced where it is shown, or taken out; a new one
  // appears on its page when the lists are asked again just below.
  client.setQueriesData<ServiceList>({ queryKey: LIST_KEY }, (list) => {
    if (list === undefined) return list;
    const services = list.services.flatMap((s) =>
      s.name !== name ? [s] : view === null ? [] : [view],
    );
    return { ...list, services, total: list.total - (list.services.length - services.length) };
  });
  void client.invalidateQueries({ queryKey: LIST_KEY });
}

/**
 * Defines a service (and starts it when `start`), or replaces one, refused
 * if someone changed it since `version`. A replacement answers once it is
 * saved; the rolling restart it causes is followed on the list.
 */
export function useSaveService() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({
      definition,
      version,
      start,
    }: {
      definition: ServiceDefinition;
      version: number | null;
      start: boolean;
    }) =>
      version === null
        ? api<Service>(withQuery('/api/services', { start }), {
            method: 'POST',
            body: definition,
          })
        : api<Service>(withQuery(path(definition.name), { wait: false }), {
            method: 'PUT',
            body: definition,
            headers: { 'if-match': `"${version}"` },
          }),
    onSuccess: (view) => {
      settle(client, view.name, view);
    },
  });
}

export type ServiceAction = 'start' | 'stop' | 'restart';

export function useServiceAction(name: string, force = false) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (action: ServiceAction) =>
      api<Service>(`${path(name)}/${action}${force && action === 'stop' ? '?force=true' : ''}`, {
        method: 'POST',
      }),
    onSuccess: (view) => {
      settle(client, name, view);
    },
    onError: () => client.invalidateQueries({ queryKey: LIST_KEY }),
  });
}

/** Changes the number of instances; the answer already lists the new ones. */
export function useScaleService(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (instances: number) =>
      api<Service>(`${path(name)}/scale`, { method: 'POST', body: { instances } }),
    onSuccess: (view) => {
      settle(client, name, view);
    },
  });
}

/** Stops every instance and deletes the service; answers once it is gone. */
export function useDeleteService(name: string, force = false) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api<undefined>(`${path(name)}${force ? '?force=true' : ''}`, { method: 'DELETE' }),
    onSuccess: () => {
      settle(client, name, null);
    },
  });
}
