import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlSocketPath } from '@codedance/router';
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
  analysis: { time: string; verdict: string; reason: string | null }[];
  metrics: { successRate: { time: string; version: string; value: number }[] };
  latestWindow: {
    from: string;
    to: string;
    versions: Record<string, { requests: number; successRate: number | null }>;
  } | null;
  logs: { time: string; message: string }[];
  hooks: { hook: string; step: number; endedAt: string | null; ok: boolean | null }[];
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

/** The longest a router table change may stay announced and unconfirmed in the record. */
export const MAX_CHANGE_IN_FLIGHT_MS = 5000;

interface RecordedRouting {
  id: string;
  resources: {
    stable: { version: string; traffic: number } | null;
    canary: { version: string; traffic: number };
  };
  trafficChange: {
    from: Record<string, number>;
    to: Record<string, number>;
    since: string;
  } | null;
}

/** Where a server answers and keeps its data; a getter, because a test may restart it. */
/** Where the server is now, and the headers that sign a request in to it. */
export type ServerPlace = () => { url: string; dataDir: string; auth: Record<string, string> };

/** What a routing watch saw: how often it compared, and every time the two disagreed. */
export interface RoutingReport {
  observations: number;
  inFlight: number;
  violations: string[];
}

function sideWeights(d: RecordedRouting): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const side of [d.resources.stable, d.resources.canary]) {
    if (side !== null && side.traffic > 0) weights[side.version] = side.traffic;
  }
  return weights;
}

function same(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/** The router's own table, from its control API (GET /routes on its control socket). */
export function routerWeights(
  dataDir: string,
  key: string,
): Promise<Record<string, number> | null> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        socketPath: controlSocketPath(join(dataDir, 'routers'), key),
        path: '/routes',
        timeout: 2000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            const body = JSON.parse(text) as {
              table: { versions: { version: string; weight: number }[] };
            };
            const weights: Record<string, number> = {};
            for (const v of body.table.versions) if (v.weight > 0) weights[v.version] = v.weight;
            resolve(weights);
          } catch {
            resolve(null);
          }
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
    });
    req.on('error', () => {
      resolve(null);
    });
    req.end();
  });
}

async function latestRecord(
  url: string,
  headers: Record<string, string>,
  namespace: string,
  app: string,
) {
  const list = await fetch(`${url}/api/deployments?app=${app}&environment=${namespace}&limit=1`, {
    headers,
  });
  const page = (await list.json()) as { items: { id: string }[] };
  const id = page.items[0]?.id;
  if (id === undefined) return null;
  const answer = await fetch(`${url}/api/deployments/${id}`, { headers });
  return answer.status === 200 ? ((await answer.json()) as RecordedRouting) : null;
}

/**
 * Watches, until stopped, that the app's router serves what its newest release record says.
 * Each observation reads the record, then the router's table, then the record again. When both
 * reads show the same weights and no change in flight, the router must serve exactly those
 * weights (versions at 0 % left out). When a change is in flight (`trafficChange`, from the save
 * that announces it to the save that confirms it) or the two reads differ, the router must serve
 * one of the tables the reads name; and no change may stay in flight longer than
 * {@link MAX_CHANGE_IN_FLIGHT_MS}.
 */
export function watchRouting(place: ServerPlace, namespace: string, app: string) {
  const report: RoutingReport = { observations: 0, inFlight: 0, violations: [] };
  const control = { stopped: false };
  const observe = async () => {
    const { url, dataDir, auth } = place();
    const first = await latestRecord(url, auth, namespace, app);
    if (first === null) return;
    const table = await routerWeights(dataDir, `${namespace}.${app}`);
    if (table === null) return;
    const second = await latestRecord(url, auth, namespace, app);
    if (second === null || second.id !== first.id) return;
    report.observations += 1;
    const [w1, w2] = [sideWeights(first), sideWeights(second)];
    const show = (w: Record<string, number>) => JSON.stringify(w);
    const steady =
      (first.trafficChange ?? null) === null &&
      (second.trafficChange ?? null) === null &&
      same(w1, w2);
    if (steady) {
      if (!same(table, w1))
        report.violations.push(
          `${first.id}: record says ${show(w1)}, router serves ${show(table)}`,
        );
      return;
    }
    report.inFlight += 1;
    const allowed = [w1, w2];
    for (const d of [first, second]) {
      const change = d.trafficChange ?? null;
      if (change === null) continue;
      allowed.push(change.from, change.to);
      const age = Date.now() - Date.parse(change.since);
      if (age > MAX_CHANGE_IN_FLIGHT_MS)
        report.violations.push(`${d.id}: a change to ${show(change.to)} in flight for ${age} ms`);
    }
    if (!allowed.some((w) => same(w, table)))
      report.violations.push(
        `${first.id}: router serves ${show(table)}, none of ${allowed.map(show).join(', ')}`,
      );
  };
  const loop = (async () => {
    while (!control.stopped) {
      await observe().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  })();
  return {
    report,
    async stop(): Promise<RoutingReport> {
      control.stopped = true;
      await loop;
      return report;
    },
  };
}

export type RoutingWatch = ReturnType<typeof watchRouting>;
