import { readdir, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  post,
  shopManifest,
  startLoad,
  startTestServer,
  until,
  waitFor,
  type Deployment,
  type TestServer,
} from './support.js';

const APPS = ['del-a', 'del-b', 'del-c', 'del-d', 'del-e'];
/** Long enough for several rounds of the server's router housekeeping (every 2 s). */
const HOLD_MS = 7000;

/** Whether anything accepts a connection on the loopback `port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
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

/** Router processes whose control socket lies in `dataDir`, found by their command line. */
async function routerProcesses(dataDir: string): Promise<{ pid: number; socket: string }[]> {
  const found: { pid: number; socket: string }[] = [];
  const marker = join(dataDir, 'routers');
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const line = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = line.split('\0');
    const control = args[args.indexOf('--control') + 1];
    if (args.includes('--control') && control?.startsWith(marker) === true)
      found.push({ pid: Number(entry), socket: control });
  }
  return found;
}

/** Checks `ok` again and again for `ms`; fails at the first time it does not hold. */
async function holdsFor(ok: () => Promise<string | null>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const problem = await ok();
    if (problem !== null) throw new Error(problem);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('deleting apps back to back', () => {
  let server: TestServer;
  const ports = new Map<string, number>();
  const pids = new Map<string, number>();

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    for (const name of APPS)
      await server.json(`/api/apps/test/${name}`, { method: 'DELETE' }).catch(() => undefined);
    await server.cleanup();
  });

  it('stops every router and version for good, and starts no router again', async () => {
    for (const name of APPS) {
      const port = await freePort();
      ports.set(name, port);
      const manifest = shopManifest(name, port);
      // Slow answers keep requests in flight, so each router drains for a while when stopped.
      manifest.spec.run = { ...manifest.spec.run, env: { DEMO_LATENCY_MS: '400' } } as never;
      expect((await post(server, '/api/apply', manifest)).status).toBe(201);
      const first = await post<Deployment>(server, '/api/deployments', {
        app: name,
        namespace: 'test',
        version: 'v1',
      });
      expect((await until(server, first.body.id, ['COMPLETED', 'FAILED'])).status).toBe(
        'COMPLETED',
      );
      const app = await server.json<{ router: { pid: number } | null }>(`/api/apps/test/${name}`);
      expect(app.body.router?.pid).toEqual(expect.any(Number));
      pids.set(name, app.body.router?.pid ?? 0);
    }

    const loads = APPS.map((name) => startLoad(ports.get(name) ?? 0, 20));
    try {
      for (const name of APPS) {
        const deleted = await server.json(`/api/apps/test/${name}`, { method: 'DELETE' });
        expect(deleted.status).toBe(204);
      }
    } finally {
      await Promise.all(loads.map((load) => load.stop()));
    }

    const gone = async (): Promise<string | null> => {
      for (const name of APPS) {
        const pid = pids.get(name) ?? 0;
        if (alive(pid)) return `the router of ${name} (pid ${pid}) still runs`;
        if (await listening(ports.get(name) ?? 0))
          return `something listens on ${name}'s port ${ports.get(name)}`;
      }
      const routers = await routerProcesses(server.dataDir);
      if (routers.length > 0)
        return `router processes run again: ${routers.map((r) => `${r.pid} ${r.socket}`).join(', ')}`;
      return null;
    };
    let last: string | null = null;
    await waitFor(async () => (last = await gone()) === null, 20_000, 'every router to stop').catch(
      (error: unknown) => {
        throw new Error(`${String(error)}: ${last}`);
      },
    );
    await holdsFor(gone, HOLD_MS);

    const services = await server.json<{ services: { name: string }[] } | { name: string }[]>(
      '/api/services',
    );
    expect(JSON.stringify(services.body)).not.toMatch(/test\.del-/);
    const apps = await server.json<{ apps: unknown[] }>('/api/apps');
    expect(apps.body.apps).toEqual([]);
  }, 120_000);

  it('leaves no router of a deleted app behind once the server has stopped', async () => {
    const dataDir = server.dataDir;
    await server.close('test over');
    expect(await routerProcesses(dataDir)).toEqual([]);
    for (const port of ports.values()) expect(await listening(port)).toBe(false);
  });
});
