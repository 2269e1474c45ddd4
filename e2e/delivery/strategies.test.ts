import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SHOP,
  deployment,
  freePort,
  post,
  shopManifest,
  startLoad,
  startTestServer,
  until,
  waitFor,
  watchRouting,
  type Deployment,
  type RoutingWatch,
  type TestServer,
} from './support.js';

const ENDED = ['COMPLETED', 'FAILED', 'ROLLED_BACK'];

async function release(
  server: TestServer,
  app: string,
  version: string,
  extra: Record<string, unknown> = {},
) {
  const started = await post<Deployment>(server, '/api/deployments', {
    app,
    namespace: 'test',
    version,
    ...extra,
  });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body;
}

async function versionAt(port: number): Promise<string> {
  const answer = await fetch(`http://127.0.0.1:${port}/`);
  return ((await answer.json()) as { version: string }).version;
}

describe('release strategies on one host', () => {
  let server: TestServer;
  const apps: string[] = [];
  const routing: RoutingWatch[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(routing.map((w) => w.stop()));
    for (const name of apps) {
      const latest = await server.json<{ items: { id: string; status: string }[] }>(
        `/api/deployments?app=${name}&limit=1`,
      );
      const active = latest.body.items[0];
      if (active !== undefined && !ENDED.includes(active.status)) {
        await post(server, `/api/deployments/${active.id}/abort`);
      }
      await server.json(`/api/apps/test/${name}`, { method: 'DELETE' });
    }
    await server.cleanup();
  }, 120_000);

  async function app(name: string, spec: Record<string, unknown>): Promise<number> {
    const port = await freePort();
    const applied = await post(server, '/api/apply', shopManifest(name, port, spec));
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    apps.push(name);
    routing.push(watchRouting(() => server, 'test', name));
    const first = await release(server, name, 'v1');
    expect((await until(server, first.id, ENDED)).status).toBe('COMPLETED');
    return port;
  }

  it('blue-green: every seed step with times, and no request fails during the switch', async () => {
    const port = await app('bg', {
      strategy: { type: 'BLUE_GREEN', blueGreen: { switch: [50, 100], observe: '2s' } },
    });
    const load = startLoad(port, 100);
    let done: Deployment;
    try {
      done = await until(server, (await release(server, 'bg', 'v2')).id, ENDED);
    } finally {
      await load.stop();
    }
    expect(done.status, done.reason ?? '').toBe('COMPLETED');
    expect(done.progress.steps.map((s) => s.name)).toEqual([
      'Pre-deploy check',
      'Start green (v2)',
      'Health check',
      'Test',
      'Switch 50%',
      'Switch 100%',
      'Observe',
      'Retire v1',
    ]);
    for (const step of done.progress.steps) {
      expect(step.status).toMatch(/COMPLETED|SKIPPED/);
      expect(step).toHaveProperty('startTime');
      expect(step).toHaveProperty('endTime');
    }
    expect(load.counts.failed + load.counts.errors).toBe(0);
    expect(load.counts.byVersion.v1).toBeGreaterThan(0);
    expect(load.counts.byVersion.v2).toBeGreaterThan(0);
    expect(await versionAt(port)).toBe('v2');
  }, 120_000);

  it('blue-green: abort sends traffic back to the stable side at once', async () => {
    const started = await release(server, 'bg', 'v3', {
      strategy: 'BLUE_GREEN',
    });
    await waitFor(
      async () => (await deployment(server, started.id)).canary.currentWeight === 50,
      30_000,
      'the 50 % switch',
    );
    const aborted = await post<Deployment>(server, `/api/deployments/${started.id}/abort`);
    expect(aborted.status).toBe(200);
    expect(aborted.body.status).toBe('ROLLED_BACK');
    expect(aborted.body.reason).toMatch(/aborted by/);
    expect(aborted.body.resources.stable?.traffic).toBe(100);
    for (let i = 0; i < 10; i += 1) expect(await versionAt(await getPort(server, 'bg'))).toBe('v2');
  }, 120_000);

  it('rolling: replaces instances batch by batch and completes', async () => {
    const port = await app('roll', {
      instances: 3,
      strategy: { type: 'ROLLING', rolling: { batchSize: 1, pause: '1s' } },
    });
    const load = startLoad(port, 60);
    let done: Deployment;
    try {
      done = await until(server, (await release(server, 'roll', 'v2')).id, ENDED);
    } finally {
      await load.stop();
    }
    expect(done.status, done.reason ?? '').toBe('COMPLETED');
    expect(done.progress.steps.filter((s) => s.kind === 'batch').map((s) => s.name)).toEqual([
      'Batch 1 of 3',
      'Batch 2 of 3',
      'Batch 3 of 3',
    ]);
    expect(load.counts.failed + load.counts.errors).toBe(0);
    expect(await versionAt(port)).toBe('v2');
  }, 120_000);

  it('rolling: abort between batches restores the old version', async () => {
    const started = await release(server, 'roll', 'v3');
    await waitFor(
      async () => (await deployment(server, started.id)).canary.currentWeight === 33,
      30_000,
      'the first batch',
    );
    const aborted = await post<Deployment>(server, `/api/deployments/${started.id}/abort`);
    expect(aborted.body.status).toBe('ROLLED_BACK');
    const port = await getPort(server, 'roll');
    for (let i = 0; i < 10; i += 1) expect(await versionAt(port)).toBe('v2');
  }, 120_000);

  it('a manual gate waits for promote; promote skips the remaining steps', async () => {
    const port = await app('gate', {
      strategy: { type: 'CANARY', canary: { preset: 'manual' } },
      hooks: { confirmPromotion: true },
    });
    const started = await release(server, 'gate', 'v2');
    const paused = await until(server, started.id, ['PAUSED', ...ENDED]);
    expect(paused.status).toBe('PAUSED');
    expect(paused.reason).toMatch(/waiting for promotion at 10%/);
    expect(paused.canary.currentWeight).toBe(10);
    const promoted = await post<Deployment>(server, `/api/deployments/${started.id}/promote`);
    expect(promoted.status).toBe(200);
    const done = await until(server, started.id, ENDED);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress.steps.filter((s) => s.status === 'SKIPPED').map((s) => s.name)).toEqual([
      'Traffic 10%',
      'Traffic 50%',
      'Confirm promotion',
    ]);
    expect(await versionAt(port)).toBe('v2');
  }, 120_000);

  it('pause holds a release where it is; resume carries on; promote finishes it', async () => {
    const port = await app('slow', {
      strategy: {
        type: 'CANARY',
        canary: { steps: [{ weight: 30, pause: '5m', analysis: false }] },
      },
    });
    const started = await release(server, 'slow', 'v2');
    await waitFor(
      async () => (await deployment(server, started.id)).canary.currentWeight === 30,
      30_000,
      '30 %',
    );
    const paused = await post<Deployment>(server, `/api/deployments/${started.id}/pause`);
    expect(paused.body).toMatchObject({
      status: 'PAUSED',
      reason: 'paused by api',
      canary: { phase: 'Paused', currentWeight: 30 },
    });
    const twice = await post<{ error: { message: string } }>(
      server,
      `/api/deployments/${started.id}/pause`,
    );
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toBe('a PAUSED release cannot be paused');
    const resumed = await post<Deployment>(server, `/api/deployments/${started.id}/resume`);
    expect(resumed.body).toMatchObject({ status: 'RUNNING', reason: null });
    expect((await deployment(server, started.id)).canary.currentWeight).toBe(30);
    await post(server, `/api/deployments/${started.id}/promote`);
    const done = await until(server, started.id, ENDED);
    expect(done.status).toBe('COMPLETED');
    expect(await versionAt(port)).toBe('v2');
  }, 120_000);

  it('rollback after completion is a router switch to the warm previous version', async () => {
    const port = await getPort(server, 'gate');
    const latest = await server.json<{ items: { id: string }[] }>(
      '/api/deployments?app=gate&status=COMPLETED&limit=1',
    );
    const id = latest.body.items[0]!.id;
    const started = Date.now();
    const rolled = await post<Deployment>(server, `/api/deployments/${id}/rollback`);
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(200);
    expect(rolled.body.status).toBe('ROLLED_BACK');
    expect(rolled.body.reason).toMatch(/rolled back to v1 .*warm/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await versionAt(port)).toBe('v1');
    const again = await post<{ error: { code: string } }>(
      server,
      `/api/deployments/${id}/rollback`,
    );
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CD_INVALID_STATE');
  }, 120_000);

  it('a version that cannot start fails the release and leaves traffic alone', async () => {
    const port = await getPort(server, 'gate');
    const started = await release(server, 'gate', 'v9', {
      run: {
        command: process.execPath,
        args: ['-e', 'console.log("booting"); console.error("fatal: no config"); process.exit(3)'],
      },
    });
    const done = await until(server, started.id, ENDED, 90_000);
    expect(done.status).toBe('FAILED');
    // How it ended and what it said last, not only that it failed.
    expect(done.reason).toMatch(
      /^v9 exited with code 3 \(\d+ restarts, CRASHLOOP\); last output: .*fatal: no config/,
    );
    expect(done.logs.at(-1)?.message).toBe(`Failed: ${done.reason}`);
    const seen = await server.json<{ status: { reason: string } }>(
      '/api/canaries/?namespace=test&name=gate',
    );
    expect(seen.body.status.reason).toBe(done.reason);
    expect(await versionAt(port)).toBe('v1');
    expect(SHOP).toMatch(/shop\.mjs$/);
  }, 120_000);

  it('a version whose command does not exist fails with the reason the system gave', async () => {
    const port = await getPort(server, 'gate');
    const started = await release(server, 'gate', 'v10', {
      run: { command: '/nonexistent/codedance-shop' },
    });
    const done = await until(server, started.id, ENDED, 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.reason).toMatch(
      /^v10 could not start: cannot start "\/nonexistent\/codedance-shop" .*command not found/,
    );
    expect(done.logs.at(-1)?.message).toBe(`Failed: ${done.reason}`);
    expect(await versionAt(port)).toBe('v1');
  }, 120_000);

  it('the router served the weights the record showed at every observation', async () => {
    const reports = await Promise.all(routing.map((w) => w.stop()));
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    for (const report of reports) expect(report.observations).toBeGreaterThan(10);
  });
});

async function getPort(server: TestServer, name: string): Promise<number> {
  return (await server.json<{ port: number }>(`/api/apps/test/${name}`)).body.port;
}
