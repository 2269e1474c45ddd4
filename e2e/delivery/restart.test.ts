import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startServerChild,
  stopServer,
  type ServerChild,
} from '../../packages/cli/src/test-support/server-child.js';
import { freePort, shopManifest, startLoad, watchRouting, type Deployment } from './support.js';

/** The admin token the server keeps in its data folder; the same across its restarts. */
let auth: () => Record<string, string> = () => ({});

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
async function call<T>(
  url: string,
  path: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined
      ? { headers: auth() }
      : {
          headers: { ...auth(), 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

async function poll<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(value ?? null).slice(0, 500)}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the control plane killed with SIGKILL in the middle of a release', () => {
  let dataDir: string;
  let server: ServerChild;
  let port: number;
  let hookLog: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'codedance-release-kill-'));
    hookLog = join(dataDir, 'hooks.log');
    server = await startServerChild(dataDir);
    auth = server.auth;
    port = await freePort();
  });

  afterAll(async () => {
    await call(server.url, '/api/apps/test/kill', 'DELETE').catch(() => undefined);
    await stopServer(server.server);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps serving every request and continues from the persisted step, running each hook once', async () => {
    const manifest = shopManifest('kill', port, {
      strategy: {
        type: 'CANARY',
        canary: {
          steps: [
            { weight: 20, pause: '4s' },
            { weight: 50, pause: '4s' },
          ],
        },
      },
      // The restart itself loads this small machine; latency is not what this test is about.
      analysis: { interval: '1s', minRequests: 20, failureLimit: 2, latencyP99: '2s' },
      hooks: {
        step: {
          command: ['/bin/sh', '-c', `echo "$CODEDANCE_VERSION $CODEDANCE_WEIGHT" >> ${hookLog}`],
        },
      },
    });
    expect((await call(server.url, '/api/apply', 'POST', manifest)).status).toBe(201);
    const routing = watchRouting(
      () => ({ url: server.url, dataDir, auth: auth() }),
      'test',
      'kill',
    );
    const first = await call<Deployment>(server.url, '/api/deployments', 'POST', {
      app: 'kill',
      namespace: 'test',
      version: 'v1',
    });
    await poll(
      () => call<Deployment>(server.url, `/api/deployments/${first.body.id}`),
      (r) => r.body.status === 'COMPLETED',
      60_000,
      'v1',
    );

    const load = startLoad(port, 60);
    let done: Deployment;
    try {
      const started = await call<Deployment>(server.url, '/api/deployments', 'POST', {
        app: 'kill',
        namespace: 'test',
        version: 'v2',
      });
      expect(started.status).toBe(201);
      const id = started.body.id;
      // At 20 %, once its step hook has run: a kill while a hook runs fails the step, by design
      // (the hook is never run twice), which is not what this test is about.
      await poll(
        () => call<Deployment>(server.url, `/api/deployments/${id}`),
        (r) =>
          r.body.canary.currentWeight === 20 &&
          r.body.hooks.some(
            (h) =>
              h.hook === 'step' &&
              h.step === r.body.progress.currentStepIndex &&
              h.endedAt !== null,
          ),
        60_000,
        '20 % and its step hook',
      );

      // Killed without warning: the router and both versions keep serving meanwhile.
      server.server.child.kill('SIGKILL');
      await server.server.exited(10_000);
      await new Promise((r) => setTimeout(r, 1500));
      server = await startServerChild(dataDir);

      done = (
        await poll(
          () => call<Deployment>(server.url, `/api/deployments/${id}`),
          (r) => ['COMPLETED', 'FAILED', 'ROLLED_BACK'].includes(r.body.status),
          90_000,
          'the release to end',
        )
      ).body;
    } finally {
      await load.stop();
    }
    const report = await routing.stop();
    expect(report.violations).toEqual([]);
    expect(report.observations).toBeGreaterThan(10);
    expect(done.status, done.reason ?? '').toBe('COMPLETED');
    expect(load.counts.failed + load.counts.errors).toBe(0);
    expect(load.counts.byVersion.v2).toBeGreaterThan(0);
    // One line per traffic step of each release: a step interrupted by the kill is not redone.
    const lines = (await readFile(hookLog, 'utf8')).trim().split('\n');
    expect(lines).toEqual(['v1 100', 'v2 20', 'v2 50', 'v2 100']);
    const starts = done.progress.steps.map((s) => s.name);
    expect(new Set(starts).size).toBe(starts.length);
  }, 240_000);
});
