import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouterFleet } from './fleet.js';
import { freePortBlock } from './ports.js';

const freePort = () => freePortBlock(1);

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
    expect(await next.stopStrays(new Set(['test.kept']))).toEqual(['test.stray']);
    expect(alive(pid)).toBe(false);
    expect(await listening(stray)).toBe(false);
    expect(await listening(kept)).toBe(true);
  });
});
