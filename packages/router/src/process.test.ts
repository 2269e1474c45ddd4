import { describe, expect, it } from 'vitest';
import { RouterClient } from './client.js';
import { request, steadyLoad, waitFor } from './test-support/backends.js';
import { killGroup, useRouters } from './test-support/spawn.js';

const { split, launch } = useRouters('cd-router-');

describe('router process', () => {
  it('serves the split, survives its control client going away, and a restart after SIGKILL', async () => {
    const { router, socket } = await launch();
    const server = new RouterClient({ path: socket });
    expect((await server.health()).status).toBe('ok');
    await server.setRoutes(split(90));

    const load = steadyLoad(router.port, 200);
    await waitFor(() => load.outcomes.length >= 100);
    // The control plane restarts: the old client is gone, a new one reconnects.
    const restarted = new RouterClient({ path: socket });
    expect((await restarted.getRoutes()).table.versions[1]!.weight).toBe(10);
    await restarted.setRoutes(split(80));
    await waitFor(() => load.outcomes.length >= 300);
    const outcomes = await load.stop();
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);

    const window = await restarted.stats({ from: Date.now() - 60_000 });
    const served =
      (window.versions['stable']?.requests ?? 0) + (window.versions['canary']?.requests ?? 0);
    expect(served).toBe(outcomes.length);
    expect(window.versions['canary']!.status['2xx']).toBe(
      outcomes.filter((o) => o.body === 'canary').length,
    );

    await restarted.setRoutes(split(90));
    await killGroup(router);
    const again = await launch({ port: router.port });
    expect((await new RouterClient({ path: socket }).getRoutes()).revision).toBe(3);
    const bodies: string[] = [];
    for (let i = 0; i < 100; i++) bodies.push((await request(again.router.port)).body);
    expect(bodies.filter((b) => b === 'canary')).toHaveLength(10);
  });

  it('fails no request during a blue-green switch under continuous load', async () => {
    const { router, client } = await launch();
    await client.setRoutes(split(100));
    const load = steadyLoad(router.port, 200);
    const start = Date.now();
    await waitFor(() => Date.now() - start >= 1500, 5_000);
    await client.setRoutes(split(0));
    const switchedAt = load.sent;
    await waitFor(() => Date.now() - start >= 3000, 5_000);
    const outcomes = await load.stop();
    expect(outcomes.length).toBeGreaterThanOrEqual(500);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes.filter((o) => o.body === 'canary').length).toBeGreaterThan(
      outcomes.length - switchedAt - 20,
    );
  });

  it('drains in-flight requests on SIGTERM, then exits 0', async () => {
    const { router, client } = await launch();
    await client.setRoutes(split(100));
    const slow = request(router.port, { path: '/slow/500' });
    await waitFor(async () => (await client.health()).inFlight === 1);
    router.child.kill('SIGTERM');
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(await router.exited).toBe(0);
  });

  it('refuses an invalid table with CD_VALIDATION_FAILED and keeps the old one', async () => {
    const { client } = await launch();
    await client.setRoutes(split(70));
    await expect(
      client.setRoutes({ versions: [{ version: 'x', weight: 50, backends: [] }] }),
    ).rejects.toMatchObject({
      code: 'CD_VALIDATION_FAILED',
      status: 400,
    });
    expect((await client.getRoutes()).table.versions[0]!.weight).toBe(70);
  });
});
