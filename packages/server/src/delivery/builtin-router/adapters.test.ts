import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { histogramCount, histogramQuantile, type TrafficSplit } from '@codedance/core';
import { LATENCY_BOUNDS_MS } from '@codedance/router';
import { freePortBlock } from '../../runtime/index.js';
import { RouterFleet } from './fleet.js';
import { RouterMetricsSource } from './metrics.js';
import { BuiltinTrafficRouter } from './traffic.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

const freePort = () => freePortBlock(1);

/** A backend that answers `status` after `delayMs`. */
async function backend(status: number, delayMs: number): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    setTimeout(() => {
      res.writeHead(status);
      res.end('ok');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function get(port: number, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, agent: false, headers }, (res) => {
        res.resume();
        res.on('end', () => {
          resolve(res.statusCode ?? 0);
        });
      })
      .on('error', reject);
  });
}

const portOf = (server: http.Server) => (server.address() as AddressInfo).port;

describe('the built-in router behind the traffic router and metrics source interfaces', () => {
  let base: string;
  let fleet: RouterFleet;
  let traffic: BuiltinTrafficRouter;
  let metrics: RouterMetricsSource;
  const servers: http.Server[] = [];

  beforeAll(() => {
    execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/router'], { cwd: ROOT });
    base = mkdtempSync(join(tmpdir(), 'cd-adapters-'));
    fleet = new RouterFleet(
      join(base, 'routers'),
      pino({ level: 'silent' }),
      '127.0.0.1',
      Date.now,
    );
    traffic = new BuiltinTrafficRouter(fleet);
    metrics = new RouterMetricsSource(fleet);
  }, 120_000);

  afterAll(async () => {
    await fleet.stopAll();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(base, { recursive: true, force: true });
  });

  it('carries a split, says what it serves, and counts each version in buckets', async () => {
    const fast = await backend(200, 0);
    const slow = await backend(503, 30);
    servers.push(fast, slow);
    const entry = { environment: 'test', app: 'shop', port: await freePort() };
    await traffic.open(entry);
    const split: TrafficSplit = {
      versions: [
        {
          version: 'v1',
          weight: 100,
          target: { kind: 'endpoints', endpoints: [{ host: '127.0.0.1', port: portOf(fast) }] },
        },
        {
          version: 'v2',
          weight: 0,
          target: { kind: 'endpoints', endpoints: [{ host: '127.0.0.1', port: portOf(slow) }] },
        },
      ],
      stable: 'v1',
      canary: 'v2',
      headerRouting: true,
      sticky: false,
    };
    const from = Date.now();
    await traffic.apply(entry, split);
    const applied = await traffic.current(entry);
    expect(applied).toMatchObject({ weights: { v1: 100, v2: 0 }, split });
    expect(applied?.servedBy).toMatch(/^pid \d+$/);
    expect(await traffic.status(entry)).toMatchObject({ status: 'ok' });

    for (let i = 0; i < 20; i++) expect(await get(entry.port)).toBe(200);
    for (let i = 0; i < 5; i++) expect(await get(entry.port, { 'x-canary': 'always' })).toBe(503);
    const answer = await metrics.query({
      environment: 'test',
      app: 'shop',
      versions: ['v1', 'v2', 'v9'],
      from,
      to: Date.now() + 1000,
    });
    expect(answer.from).toBeGreaterThanOrEqual(Math.floor(from / 1000) * 1000);
    const { v1, v2, v9 } = answer.versions;
    expect(v1).toMatchObject({ requests: 20, errors: 0 });
    expect(v2).toMatchObject({ requests: 5, errors: 5 });
    // A version that served nothing is there with zeros, in the same buckets.
    expect(v9).toMatchObject({ requests: 0, errors: 0 });
    for (const w of [v1, v2, v9]) expect(w?.latency.bounds).toEqual(LATENCY_BOUNDS_MS);
    expect(histogramCount(v1!.latency)).toBe(20);
    expect(histogramCount(v2!.latency)).toBe(5);
    // Every answer of v2 waited 30 ms: its median lies in a bucket no lower than (27, 33].
    expect(histogramQuantile(v2!.latency, 0.5)).toBeGreaterThan(27);
    expect(v2!.latency.sumMs).toBeGreaterThanOrEqual(5 * 30);
  });

  it('refuses an entry point without a port and a query for an app without a router', async () => {
    await expect(traffic.open({ environment: 'test', app: 'portless' })).rejects.toThrow(
      /needs the app's public port/,
    );
    await expect(
      metrics.query({ environment: 'test', app: 'nowhere', versions: ['v1'], from: 0, to: 1 }),
    ).rejects.toThrow(/no router of test\.nowhere answers/);
  });

  it('takes an entry point down, and those of apps it is not told to keep', async () => {
    const kept = { environment: 'test', app: 'kept', port: await freePort() };
    const stray = { environment: 'test', app: 'stray', port: await freePort() };
    await traffic.open(kept);
    await traffic.open(stray);
    const strayPid = Number((await traffic.status(stray))?.['pid']);
    expect(await traffic.retain([kept, { environment: 'test', app: 'shop' }])).toBe(1);
    expect(() => process.kill(strayPid, 0)).toThrow();
    expect(await traffic.status(kept)).toMatchObject({ status: 'ok' });
    await traffic.remove(kept);
    expect(await traffic.status(kept)).toBeNull();
    // Idempotent: taking it down again does nothing.
    await traffic.remove(kept);
  });
});
