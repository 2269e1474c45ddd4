import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RouterProxy } from './proxy.js';
import { RouterStats } from './stats.js';
import { parseRouteTable, type RouteTable } from './table.js';
import { request, startBackend, waitFor, type TestBackend } from './test-support/backends.js';

let stable: TestBackend;
let canary: TestBackend;
let proxy: RouterProxy;
let stats: RouterStats;
let port: number;

function table(stableWeight: number, extra: Record<string, unknown> = {}): RouteTable {
  const parsed = parseRouteTable({
    versions: [
      { version: 'stable', weight: stableWeight, backends: [stable.address] },
      { version: 'canary', weight: 100 - stableWeight, backends: [canary.address] },
    ],
    ...extra,
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.table;
}

beforeAll(async () => {
  stable = await startBackend('stable');
  canary = await startBackend('canary');
  stats = new RouterStats();
  proxy = new RouterProxy({ stats, timeoutMs: 300 });
  port = (await proxy.listen(0, '127.0.0.1')).port;
});

afterEach(() => {
  proxy.setTable(table(100));
});

afterAll(async () => {
  await proxy.close(1000);
  await stable.close();
  await canary.close();
});

describe('router proxy', () => {
  it('sends exactly 10 of 100 sequential requests to a 10 % canary', async () => {
    proxy.setTable(table(90));
    const bodies: string[] = [];
    for (let i = 0; i < 100; i++) {
      const answer = await request(port);
      expect(answer.headers['x-codedance-version']).toBe(answer.body);
      bodies.push(answer.body);
    }
    expect(bodies.filter((b) => b === 'canary')).toHaveLength(10);
  });

  it('answers 503 CD_NO_ROUTE before any table is set', async () => {
    const empty = new RouterProxy({ stats: new RouterStats() });
    const { port: emptyPort } = await empty.listen(0, '127.0.0.1');
    const answer = await request(emptyPort);
    await empty.close(100);
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'CD_NO_ROUTE' } });
  });

  it('pins a client with the cookie it sets on the first response', async () => {
    proxy.setTable(table(50, { sticky: true }));
    const first = await request(port);
    const cookie = first.headers['set-cookie']?.[0];
    expect(cookie).toMatch(new RegExp(`^cd_version=${first.body};`));
    for (let i = 0; i < 6; i++) {
      const next = await request(port, { headers: { cookie: cookie!.split(';')[0]! } });
      expect(next.body).toBe(first.body);
      expect(next.headers['set-cookie']).toBeUndefined();
    }
  });

  it('routes x-canary: always to the canary at 0 %', async () => {
    const answer = await request(port, { headers: { 'x-canary': 'always' } });
    expect(answer.body).toBe('canary');
  });

  it('loses no request when the weights change under concurrent load', async () => {
    proxy.setTable(table(100));
    const results: string[] = [];
    let switched = false;
    const worker = async () => {
      for (let i = 0; i < 60; i++) {
        const answer = await request(port);
        results.push(`${answer.status}:${answer.body}`);
        if (!switched && results.length >= 600) {
          switched = true;
          proxy.setTable(table(0));
        }
      }
    };
    await Promise.all(Array.from({ length: 20 }, worker));
    expect(results).toHaveLength(1200);
    expect(results.every((r) => r === '200:stable' || r === '200:canary')).toBe(true);
    expect(results.slice(-50).every((r) => r === '200:canary')).toBe(true);
  });

  it('streams request and response bodies without buffering them', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/echo' },
        (res) => {
          let seen = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            seen += chunk;
            // The second half is only sent once the first has come back.
            if (seen === 'first-half;') req.end('second-half');
          });
          res.on('end', () => {
            resolve(seen);
          });
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      req.write('first-half;');
    });
    expect(answer).toBe('first-half;second-half');
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const echoed = await request(port, { method: 'POST', path: '/echo', body: big });
    expect(echoed.body.length).toBe(big.length);
  });

  it('strips hop-by-hop headers and adds x-forwarded-*', async () => {
    const answer = await request(port, {
      path: '/headers',
      headers: {
        'x-forwarded-for': '10.0.0.1',
        connection: 'keep-alive, x-secret',
        'x-secret': 'hop',
        'x-kept': 'yes',
      },
    });
    const seen = JSON.parse(answer.body) as Record<string, string>;
    expect(seen['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-host']).toBe(`127.0.0.1:${port}`);
    expect(seen['x-kept']).toBe('yes');
    expect(seen['x-secret']).toBeUndefined();
    expect(answer.headers['x-codedance-version']).toBe('stable');
  });

  it('answers 502 CD_BAD_GATEWAY for a backend that is down, and 504 after the timeout', async () => {
    const parsed = parseRouteTable({
      versions: [
        { version: 'stable', weight: 50, backends: [stable.address] },
        { version: 'broken', weight: 50, backends: ['127.0.0.1:1'] },
      ],
    });
    if (!parsed.ok) throw new Error('bad table');
    proxy.setTable(parsed.table);
    const from = Date.now();
    const answers = await Promise.all([request(port), request(port)]);
    const failed = answers.find((a) => a.status !== 200)!;
    expect(failed.status).toBe(502);
    expect(JSON.parse(failed.body)).toMatchObject({
      error: { code: 'CD_BAD_GATEWAY', details: { version: 'broken', backend: '127.0.0.1:1' } },
    });
    const slow = await request(port, { path: '/slow/3000', headers: { 'x-canary': 'never' } });
    expect(slow.status).toBe(504);
    expect(JSON.parse(slow.body)).toMatchObject({ error: { code: 'CD_GATEWAY_TIMEOUT' } });
    const window = stats.window(from, Date.now() + 1).versions;
    expect(window['broken']).toMatchObject({ requests: 1, errors: 1, status: { '5xx': 1 } });
  });

  it('counts status classes, bytes and requests per version', async () => {
    const local = new RouterStats();
    const counted = new RouterProxy({ stats: local, table: table(100) });
    const { port: countedPort } = await counted.listen(0, '127.0.0.1');
    const paths = [
      ...Array<string>(5).fill('/'),
      '/status/302',
      '/status/404',
      '/status/404',
      '/status/503',
    ];
    for (const path of paths) await request(countedPort, { path });
    await request(countedPort, { headers: { 'x-canary': 'always' } });
    await waitFor(() => counted.inFlight === 0);
    const window = local.window(Date.now() - 60_000, Date.now() + 1).versions;
    await counted.close(100);
    expect(window['stable']).toMatchObject({
      requests: 9,
      errors: 0,
      status: { '2xx': 5, '3xx': 1, '4xx': 2, '5xx': 1 },
      bytes: 9 * 'stable'.length,
    });
    expect(window['stable']!.errorRate).toBeCloseTo(1 / 9);
    expect(window['canary']).toMatchObject({ requests: 1, status: { '2xx': 1 } });
    expect(window['stable']!.latency.p50).toBeGreaterThan(0);
  });

  it('stops the backend request when the client goes away', async () => {
    const from = Date.now();
    let backendSawClose = false;
    stable.server.once('request', (req: http.IncomingMessage) => {
      req.socket.once('close', () => {
        backendSawClose = true;
      });
    });
    const slowProxy = new RouterProxy({ stats, table: table(100), timeoutMs: 10_000 });
    const { port: slowPort } = await slowProxy.listen(0, '127.0.0.1');
    const req = http.request({
      host: '127.0.0.1',
      port: slowPort,
      path: '/slow/5000',
      agent: false,
    });
    req.on('error', () => undefined);
    req.end();
    await waitFor(() => slowProxy.inFlight === 1);
    req.destroy();
    await waitFor(() => backendSawClose && slowProxy.inFlight === 0);
    await slowProxy.close(100);
    expect(stats.window(from, Date.now() + 1).versions['stable']!.aborted).toBeGreaterThanOrEqual(
      1,
    );
  });
});
