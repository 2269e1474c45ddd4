import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { request, waitFor } from './test-support/backends.js';
import { killGroup, useRouters } from './test-support/spawn.js';

const { split, launch: launchRouter } = useRouters('cd-router-workers-');

/** A router of two processes sharing its port. */
function launch(port = 0) {
  return launchRouter({ port, args: ['--workers', '2'] });
}

/** One request on a connection of its own, which any of the processes may accept. */
function fresh(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a router of several processes', () => {
  it('applies every table to all processes, keeps weights exact in each, and adds up stats', async () => {
    const { router, client } = await launch();
    const health = await client.health();
    expect(health.workers).toHaveLength(2);
    expect(new Set(health.workers.map((w) => w.pid)).size).toBe(2);
    const from = Date.now();
    await client.setRoutes(split(90));

    // Two kept-alive connections: whichever workers they land on, each worker
    // sees a multiple of ten requests, so exactly one in ten goes to canary.
    const bodies: string[] = [];
    for (let i = 0; i < 100; i++) bodies.push((await request(router.port)).body);
    const other = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 100; i++) {
      bodies.push(
        await new Promise<string>((resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port: router.port, agent: other }, (res) => {
              let body = '';
              res.on('data', (chunk: Buffer) => (body += chunk.toString()));
              res.on('end', () => {
                resolve(body);
              });
            })
            .on('error', reject);
        }),
      );
    }
    other.destroy();
    expect(bodies.filter((b) => b === 'canary')).toHaveLength(20);

    // Once the change is answered, no worker routes to stable any more.
    await client.setRoutes(split(0));
    const after = await Promise.all(Array.from({ length: 40 }, () => fresh(router.port)));
    expect(after.every((a) => a.status === 200 && a.body === 'canary')).toBe(true);

    const window = await client.stats({ from });
    const served =
      (window.versions['stable']?.requests ?? 0) + (window.versions['canary']?.requests ?? 0);
    expect(served).toBe(240);
    expect(window.versions['canary']!.requests).toBe(60);
    expect((await client.getRoutes()).revision).toBe(2);
  });

  it('replaces a killed follower, and a killed leader, with processes that serve the table in force', async () => {
    const { router, client } = await launch();
    await client.setRoutes(split(0));
    const whole = async (without: number) => {
      const health = await client.health().catch(() => null);
      const pids = health?.workers.map((w) => w.pid) ?? [];
      return pids.length === 2 && !pids.includes(without) ? health : null;
    };
    const [leader, follower] = (await client.health()).workers.map((w) => w.pid);
    expect(leader).toBe(router.child.pid);
    process.kill(follower!, 'SIGKILL');
    await waitFor(async () => (await whole(follower!))?.pid === leader, 20_000);
    process.kill(leader!, 'SIGKILL');
    // A follower takes over the control socket: the new leader is another process.
    await waitFor(async () => (await whole(leader!)) !== null, 20_000);
    const answers = await Promise.all(Array.from({ length: 40 }, () => fresh(router.port)));
    expect(answers.every((a) => a.status === 200 && a.body === 'canary')).toBe(true);
    expect((await client.getRoutes()).revision).toBe(1);
  });

  it('elects one leader among several followers when the leader dies, and stays at its size', async () => {
    const { router, client } = await launchRouter({ args: ['--workers', '3'] });
    await client.setRoutes(split(0));
    const before = (await client.health()).workers.map((w) => w.pid);
    expect(before).toHaveLength(3);
    process.kill(router.child.pid!, 'SIGKILL');
    let health: Awaited<ReturnType<typeof client.health>> | null = null;
    await waitFor(async () => {
      health = await client.health().catch(() => null);
      return health !== null && health.workers.length === 3 && health.pid !== before[0];
    }, 20_000);
    // The new leader is one of the two followers, the other follows it, and one process was added.
    const pids = health!.workers.map((w) => w.pid);
    expect(before.slice(1)).toContain(health!.pid);
    expect(pids).toEqual(expect.arrayContaining(before.slice(1)));
    const answers = await Promise.all(Array.from({ length: 30 }, () => fresh(router.port)));
    expect(answers.every((a) => a.status === 200 && a.body === 'canary')).toBe(true);
  });

  it('drains in-flight requests on SIGTERM, then the leader and every follower exit', async () => {
    const { router, client } = await launch();
    await client.setRoutes(split(100));
    const pids = (await client.health()).workers.map((w) => w.pid);
    const slow = fresh(router.port, '/slow/500');
    await waitFor(async () => (await client.health()).inFlight === 1);
    router.child.kill('SIGTERM');
    expect(await slow).toMatchObject({ status: 200, body: 'stable' });
    expect(await router.exited).toBe(0);
    await waitFor(() => pids.every((pid) => !alive(pid)));
  });

  it('persists the table, and a router started again after the whole group died serves it at once', async () => {
    const { router, client } = await launch();
    await client.setRoutes(split(50));
    await client.setRoutes(split(90));
    const pids = (await client.health()).workers.map((w) => w.pid);
    await killGroup(router);
    await waitFor(() => pids.every((pid) => !alive(pid)));
    const again = await launch(router.port);
    expect((await again.client.getRoutes()).revision).toBe(2);
    const bodies: string[] = [];
    for (let i = 0; i < 100; i++) bodies.push((await request(again.router.port)).body);
    expect(bodies.filter((b) => b === 'canary')).toHaveLength(10);
  });
});
