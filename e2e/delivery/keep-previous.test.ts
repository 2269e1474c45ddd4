import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

interface AppAnswer {
  previous: { version: string; warmUntil: string } | null;
}

describe('a warm previous version that expires while the next release runs', () => {
  let server: TestServer;
  let port: number;
  let routing: RoutingWatch;

  beforeAll(async () => {
    server = await startTestServer();
    port = await freePort();
    routing = watchRouting(() => server, 'test', 'warm');
  });

  afterAll(async () => {
    await routing.stop();
    // A release left running by a failed test is ended first, or the app cannot be deleted.
    const latest = await server.json<{ items: { id: string; status: string }[] }>(
      '/api/deployments?app=warm&limit=1',
    );
    const active = latest.body.items[0];
    if (active !== undefined && !ENDED.includes(active.status)) {
      await post(server, `/api/deployments/${active.id}/abort`);
    }
    await server.json('/api/apps/test/warm', { method: 'DELETE' });
    await server.cleanup();
  });

  async function release(version: string, extra: Record<string, unknown> = {}) {
    const started = await post<Deployment>(server, '/api/deployments', {
      app: 'warm',
      namespace: 'test',
      version,
      ...extra,
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    return started.body.id;
  }

  it('retires the warm version without touching the split the release has set', async () => {
    const manifest = shopManifest('warm', port, {
      strategy: { type: 'CANARY', canary: { steps: [{ weight: 30, pause: '14s' }] } },
      keepPrevious: '4s',
    });
    expect((await post(server, '/api/apply', manifest)).status).toBe(201);
    expect((await until(server, await release('v1'), ENDED)).status).toBe('COMPLETED');
    const v2 = await until(server, await release('v2', { strategy: 'ALL_AT_ONCE' }), ENDED);
    expect(v2.status).toBe('COMPLETED');
    const warm = await server.json<AppAnswer>('/api/apps/test/warm');
    expect(warm.body.previous?.version).toBe('v1');

    const load = startLoad(port, 60);
    try {
      const id = await release('v3');
      await waitFor(
        async () =>
          (await server.json<Deployment>(`/api/deployments/${id}`)).body.canary.currentWeight ===
          30,
        20_000,
        'v3 at 30 %',
      );
      // v1's time is up while v3 holds 30 %: it is stopped and leaves the table, nothing else.
      await waitFor(
        async () => (await server.json<AppAnswer>('/api/apps/test/warm')).body.previous === null,
        15_000,
        'v1 to be retired',
      );
      const during = await server.json<Deployment>(`/api/deployments/${id}`);
      expect(during.body.status).toBe('RUNNING');
      expect(during.body.canary.currentWeight).toBe(30);
      const servedBefore = load.counts.byVersion.v3 ?? 0;
      await waitFor(
        () => (load.counts.byVersion.v3 ?? 0) >= servedBefore + 30,
        8000,
        'v3 to keep getting its share after v1 left',
      );
      const done = await until(server, id, ENDED);
      expect(done.status, done.reason ?? '').toBe('COMPLETED');
    } finally {
      await load.stop();
    }
    expect(load.counts.failed + load.counts.errors).toBe(0);
    expect(load.counts.byVersion.v1 ?? 0).toBe(0);
  }, 120_000);

  it('the router served the weights the record showed at every observation', async () => {
    const report = await routing.stop();
    expect(report.violations).toEqual([]);
    expect(report.observations).toBeGreaterThan(50);
  });
});
