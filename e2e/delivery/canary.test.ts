import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  post,
  shopManifest,
  startLoad,
  startTestServer,
  until,
  watchRouting,
  type Deployment,
  type RoutingWatch,
  type TestServer,
} from './support.js';

describe('a canary release through the router, with live analysis', () => {
  let server: TestServer;
  let port: number;
  let routing: RoutingWatch;

  beforeAll(async () => {
    server = await startTestServer();
    port = await freePort();
    routing = watchRouting(() => server, 'test', 'shop');
  });

  afterAll(async () => {
    await routing.stop();
    await server.json('/api/apps/test/shop', { method: 'DELETE' });
    await server.cleanup();
  });

  it('applies the manifest and serves the first version on the public port', async () => {
    const applied = await post<{ created: boolean }>(
      server,
      '/api/apply',
      shopManifest('shop', port),
    );
    expect(applied.status).toBe(201);
    const first = await post<Deployment>(server, '/api/deployments', {
      app: 'shop',
      namespace: 'test',
      version: 'v1',
    });
    expect(first.status).toBe(201);
    const done = await until(server, first.body.id, ['COMPLETED', 'FAILED', 'ROLLED_BACK']);
    expect(done.status).toBe('COMPLETED');
    expect(done.canary.currentWeight).toBe(100);
    expect(done.resources.canary.traffic).toBe(100);
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(await answer.json()).toMatchObject({ version: 'v1' });
  });

  it('completes a healthy canary, shifting traffic step by step', async () => {
    const load = startLoad(port, 80);
    try {
      const started = await post<Deployment>(server, '/api/deployments', {
        app: 'shop',
        namespace: 'test',
        version: 'v2',
      });
      expect(started.status).toBe(201);
      const done = await until(server, started.body.id, ['COMPLETED', 'FAILED', 'ROLLED_BACK']);
      expect(done.reason).toBeNull();
      expect(done.status).toBe('COMPLETED');
      expect(done.analysis.some((a) => a.verdict === 'pass')).toBe(true);
      expect(done.canary.currentWeight).toBe(100);
      expect(done.resources.stable?.traffic).toBe(0);
      expect(
        done.progress.steps.every((s) => s.status === 'COMPLETED' || s.status === 'SKIPPED'),
      ).toBe(true);
    } finally {
      await load.stop();
    }
    expect(load.counts.failed + load.counts.errors).toBe(0);
    expect(load.counts.byVersion.v2).toBeGreaterThan(0);
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(await answer.json()).toMatchObject({ version: 'v2' });
  });

  it('rolls a faulty canary back on its own, with the reason', async () => {
    const load = startLoad(port, 80);
    try {
      const started = await post<Deployment>(server, '/api/deployments', {
        app: 'shop',
        namespace: 'test',
        version: 'v3',
        run: {
          command: process.execPath,
          args: [shopManifest('x', 1).spec.run.args[0]!],
          env: { DEMO_ERROR_RATE: '0.3' },
        },
      });
      expect(started.status).toBe(201);
      const done = await until(server, started.body.id, ['COMPLETED', 'FAILED', 'ROLLED_BACK']);
      expect(done.status).toBe('ROLLED_BACK');
      expect(done.reason).toMatch(/error|success/i);
      expect(done.canary.phase).toBe('Failed');
      expect(done.analysis.at(-1)?.verdict).toBe('fail');
      expect(done.resources.stable?.traffic).toBe(100);
      // What it measured up to the verdict stays in the record: the rolled-back version's
      // trend line, and its final window beside the stable version's.
      const failedAt = done.analysis.at(-1)?.time;
      expect(done.metrics.successRate.filter((p) => p.version === 'v3').at(-1)?.time).toBe(
        failedAt,
      );
      expect(done.latestWindow?.to).toBe(failedAt);
      expect(done.latestWindow?.versions.v3?.requests).toBeGreaterThan(0);
      expect(done.latestWindow?.versions.v3?.successRate).toBeLessThan(95);
      expect(done.latestWindow?.versions.v2?.successRate).toBe(100);
    } finally {
      await load.stop();
    }
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(await answer.json()).toMatchObject({ version: 'v2' });
    const canaries = await server.json<{ name: string; phase: string }[]>('/api/canaries');
    expect(canaries.body).toEqual([
      expect.objectContaining({ name: 'shop', namespace: 'test', phase: 'Failed' }),
    ]);
    const metrics = await server.json<{ successRate: number | null }>(
      '/api/metrics/?namespace=test&name=shop',
    );
    expect(metrics.status).toBe(200);
  });

  it('the router served the weights the record showed at every observation', async () => {
    const report = await routing.stop();
    expect(report.violations).toEqual([]);
    expect(report.observations).toBeGreaterThan(50);
  });
});
