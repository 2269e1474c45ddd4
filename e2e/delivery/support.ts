import { fileURLToPath } from 'node:url';
import { startTestServer, waitFor, type TestServer } from '../support/server.js';

export { freePort } from '../support/server.js';

export const SHOP = fileURLToPath(new URL('../../packages/server/demo/shop.mjs', import.meta.url));

export interface Deployment {
  id: string;
  status: string;
  reason: string | null;
  version: string;
  progress: { currentStepIndex: number; steps: { name: string; kind: string; status: string }[] };
  canary: { phase: string; currentWeight: number };
  analysis: { verdict: string; reason: string | null }[];
  resources: {
    stable: { version: string; traffic: number } | null;
    canary: { version: string; traffic: number };
  };
}

/** A manifest for the demo shop with fast steps, so a release takes seconds. */
export function shopManifest(name: string, port: number, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name, namespace: 'test' },
    spec: {
      port,
      instances: 2,
      run: { command: process.execPath, args: [SHOP] },
      readiness: { type: 'http', path: '/healthz' },
      strategy: {
        type: 'CANARY',
        canary: {
          steps: [
            { weight: 20, pause: '3s' },
            { weight: 50, pause: '3s' },
          ],
        },
      },
      analysis: { interval: '1s', minRequests: 20, failureLimit: 1, latencyP99: '1s' },
      keepPrevious: '1m',
      ...spec,
    },
  };
}

export { startLoad, type Load } from '../../packages/cli/src/test-support/load.js';

export async function deployment(server: TestServer, id: string): Promise<Deployment> {
  return (await server.json<Deployment>(`/api/deployments/${id}`)).body;
}

/** Waits until the release reaches one of `statuses` and answers it. */
export async function until(
  server: TestServer,
  id: string,
  statuses: string[],
  timeoutMs = 60_000,
): Promise<Deployment> {
  let last: Deployment | undefined;
  await waitFor(
    async () => {
      last = await deployment(server, id);
      return statuses.includes(last.status);
    },
    timeoutMs,
    `release ${id} to reach ${statuses.join('/')}`,
  ).catch((error: unknown) => {
    throw new Error(
      `${String(error)}; last: ${JSON.stringify(last?.status)} ${JSON.stringify(last?.reason)} step ${JSON.stringify(last?.progress.steps.find((s) => s.status === 'RUNNING'))}`,
    );
  });
  return last!;
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export async function post<T>(server: TestServer, path: string, body?: unknown) {
  return server.json<T>(path, {
    method: 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

export { startTestServer, waitFor, type TestServer };
