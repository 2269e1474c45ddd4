import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RouterFleet } from './fleet.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on('error', reject);
  });
}

describe('router fleet', () => {
  let base: string;
  let fleet: RouterFleet | undefined;

  beforeAll(() => {
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/router'], { cwd: ROOT });
    base = mkdtempSync(join(tmpdir(), 'cd-fleet-'));
  }, 120_000);

  afterAll(async () => {
    await fleet?.stopAll();
    rmSync(base, { recursive: true, force: true });
  });

  it('gives two apps with long names under a long data folder a router each', async () => {
    // Long enough that `<folder>/<namespace>.<app>.sock` would be cut at 107 bytes,
    // where both names are still the same.
    const folder = join(base, 'd'.repeat(Math.max(1, 70 - base.length)), 'routers');
    const keys = [
      'a-fairly-long-namespace.checkout-service-one',
      'a-fairly-long-namespace.checkout-service-two',
    ];
    expect(Buffer.byteLength(join(folder, `${keys[0]!}.sock`))).toBeGreaterThan(107);
    fleet = new RouterFleet(folder, pino({ level: 'silent' }), '127.0.0.1', Date.now);
    const ports = [await freePort(), await freePort()];
    const first = await fleet.ensure(keys[0]!, ports[0]!);
    const second = await fleet.ensure(keys[1]!, ports[1]!);
    expect(first.socket).not.toBe(second.socket);
    const [one, two] = await Promise.all([first.client.health(), second.client.health()]);
    expect(one.pid).not.toBe(two.pid);
    // Each port is answered by a router of its own (no table yet: 503 CD_NO_ROUTE).
    for (const port of ports) {
      const answer = await get(port);
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'CD_NO_ROUTE' } });
    }
    await first.client.setRoutes({
      versions: [{ version: 'v1', weight: 100, backends: ['127.0.0.1:9'] }],
    });
    expect((await first.client.getRoutes()).revision).toBe(1);
    expect((await second.client.getRoutes()).revision).toBe(0);
  }, 60_000);

  it('refuses loudly, and starts nothing, when even a hashed socket name cannot fit', async () => {
    const folder = join(base, 'x'.repeat(100), 'routers');
    mkdirSync(folder, { recursive: true });
    const long = new RouterFleet(folder, pino({ level: 'silent' }), '127.0.0.1', Date.now);
    await expect(long.ensure('test.app', await freePort())).rejects.toThrow(
      /Unix socket path .* is \d+ bytes, more than the 107/,
    );
    expect(existsSync(join(folder, 'test.app.log'))).toBe(false);
  });
});

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

describe('the router fleet, with real router processes', () => {
  let dir: string;
  let fleet: RouterFleet;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codedance-fleet-'));
    fleet = new RouterFleet(dir, pino({ level: 'silent' }), '127.0.0.1', Date.now);
  });

  afterEach(async () => {
    await fleet.stopAll();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts one router for a key however many ask at once', async () => {
    const port = await freePort();
    const handles = await Promise.all(
      Array.from({ length: 4 }, () => fleet.ensure('test.once', port)),
    );
    const pids = await Promise.all(handles.map(async (h) => (await h.client.health()).pid));
    expect(new Set(pids).size).toBe(1);
  });

  it('stop resolves once the process has exited and its port is free', async () => {
    const port = await freePort();
    const handle = await fleet.ensure('test.stop', port);
    const { pid } = await handle.client.health();
    await fleet.stop('test.stop');
    expect(alive(pid)).toBe(false);
    expect(await listening(port)).toBe(false);
  });

  it('stops the routers of apps that no longer exist, found by their sockets', async () => {
    const [kept, stray] = [await freePort(), await freePort()];
    await fleet.ensure('test.kept', kept);
    const left = await fleet.ensure('test.stray', stray);
    const { pid } = await left.client.health();
    // A new server's fleet knows nothing of them yet.
    const next = new RouterFleet(dir, pino({ level: 'silent' }), '127.0.0.1', Date.now);
    expect(await next.stopStrays(new Set(['test.kept']))).toBe(1);
    expect(alive(pid)).toBe(false);
    expect(await listening(stray)).toBe(false);
    expect(await listening(kept)).toBe(true);
  });
});
