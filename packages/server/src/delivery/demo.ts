import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { isFinal, type Deployment } from '@codedance/core';
import type { ServiceSupervisor } from '../services/index.js';
import type { DeliveryController } from './controller.js';

/** The bundled demo service and its load generator (shipped in the package's `demo/` folder). */
export const DEMO_SHOP = fileURLToPath(new URL('../../demo/shop.mjs', import.meta.url));
export const DEMO_LOAD = fileURLToPath(new URL('../../demo/load.mjs', import.meta.url));

export interface DemoOptions {
  /** The demo shop's public port (the router listens here). */
  port: number;
  /** Seconds each canary step holds its weight; 10 by default. */
  stepSeconds?: number;
}

const NAMESPACE = 'demo';
const APP = 'shop';
const LOAD = 'demo.load';

/** The demo app: a linear canary judged by seed 000's thresholds, quick enough to watch. */
export function demoManifest(options: DemoOptions) {
  const pause = `${options.stepSeconds ?? 10}s`;
  return {
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: APP, namespace: NAMESPACE, labels: { demo: 'true' } },
    spec: {
      port: options.port,
      instances: 2,
      run: { command: process.execPath, args: [DEMO_SHOP] },
      readiness: { type: 'http', path: '/healthz' },
      strategy: {
        type: 'CANARY',
        canary: { steps: [20, 40, 60, 80].map((weight) => ({ weight, pause })) },
      },
      analysis: {
        interval: '2s',
        minRequests: 10,
        failureLimit: 1,
        latencyP99: '500ms',
        // The demo runs on whatever host starts it, busy ones too: a limit both versions miss
        // there is left to the comparison with the stable version, so v2 still completes.
        whenStableFailsToo: 'baselineOnly',
      },
      keepPrevious: '5m',
    },
  };
}

/**
 * The demo `npm start` shows: the bundled shop with a gentle load, a first release (v1), a
 * healthy canary (v2) that completes and a faulty one (v3: errors and slow answers) that the
 * analysis rolls back on its own. It runs once per data folder; a restarted server leaves the
 * recorded releases as they are.
 */
export async function runDemo(
  delivery: DeliveryController,
  services: ServiceSupervisor,
  logger: Logger,
  options: DemoOptions,
  signal: AbortSignal,
): Promise<void> {
  const existing = await delivery.book.findApp(NAMESPACE, APP);
  if (existing !== null && delivery.book.latest(NAMESPACE, APP) !== undefined) {
    logger.info(
      { port: existing.spec.port },
      'demo already ran in this data folder; its releases are kept',
    );
    return;
  }
  await delivery.apply(demoManifest(options));
  if (!services.has(LOAD)) {
    await services.create(
      {
        name: LOAD,
        command: process.execPath,
        args: [DEMO_LOAD],
        env: { DEMO_TARGET: `http://127.0.0.1:${options.port}/`, DEMO_RATE: '40' },
        readiness: { type: 'uptime', seconds: 0.5 },
      },
      { start: true },
    );
  }
  logger.info(
    { url: `http://127.0.0.1:${options.port}/` },
    'demo: shop app applied, gentle load started',
  );
  const releases: { version: string; env?: Record<string, string>; executor: string }[] = [
    { version: 'v1', executor: 'demo' },
    { version: 'v2', executor: 'demo' },
    {
      version: 'v3',
      env: { DEMO_ERROR_RATE: '0.15', DEMO_LATENCY_MS: '150' },
      executor: 'demo (faulty on purpose)',
    },
  ];
  for (const release of releases) {
    if (signal.aborted) return;
    const started = await delivery.deploy({
      app: APP,
      namespace: NAMESPACE,
      version: release.version,
      executor: release.executor,
      ...(release.env === undefined
        ? {}
        : { run: { command: process.execPath, args: [DEMO_SHOP], env: release.env } }),
    });
    const ended = await waitForEnd(delivery, started.id, signal);
    if (ended === null) return;
    logger.info(
      { deployment: ended.id, version: ended.version, status: ended.status, reason: ended.reason },
      `demo: release of ${ended.version} ended ${ended.status}`,
    );
  }
}

/**
 * Stops what the demo started: its load generator, and the shop's versions and router, which it
 * forgets (a later `--demo` runs the demo again). The releases stay in the record.
 */
export async function stopDemo(
  delivery: DeliveryController,
  services: ServiceSupervisor,
): Promise<void> {
  if (services.has(LOAD)) await services.remove(LOAD);
  await delivery.retireApp(NAMESPACE, APP);
}

async function waitForEnd(
  delivery: DeliveryController,
  id: string,
  signal: AbortSignal,
): Promise<Deployment | null> {
  for (;;) {
    if (signal.aborted) return null;
    const d = await delivery.get(id);
    if (isFinal(d.status)) return d;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
