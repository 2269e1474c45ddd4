import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, withQuery } from '../../api/client';
import type { Service, ServiceDefinition } from '../../api/types';

type ServiceList = { services: Service[]; total: number };

const LIST_KEY = ['services'] as const;
const path = (name: string) => `/api/services/${encodeURIComponent(name)}`;

/**
 * Status changes are pushed (service.* events); CPU and memory are sampled,
 * so the list is fetched every 10 s while it is shown, and every 2 s while
 * a rolling restart moves through the instances.
 */
export function useServices() {
  return useQuery({
    queryKey: LIST_KEY,
    queryFn: ({ signal }) => api<ServiceList>('/api/services', { signal }),
    refetchInterval: (query) =>
      query.state.data?.services.some((s) => s.rolling) === true ? 2_000 : 10_000,
  });
}

/** Puts what the server answered into the list at once, then asks for the list again. */
function settle(client: QueryClient, name: string, view: Service | null): void {
  client.setQueryData<ServiceList>(LIST_KEY, (list) => {
    if (list === undefined) return list;
    const others = list.services.filter((s) => s.name !== name);
    const services =
      view === null
        ? others
        : [...others, view].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { services, total: services.length };
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
