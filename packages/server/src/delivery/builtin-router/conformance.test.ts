// The traffic router and metrics source conformance suites, unchanged, on the built-in router:
// router processes on this host, real backends, real requests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describeMetricsSourceConformance } from '../../../../core/src/metrics/test-support/conformance.js';
import { describeTrafficRouterConformance } from '../../../../core/src/traffic/test-support/conformance.js';
import { freePortBlock } from '../../runtime/index.js';
import { RouterFleet } from './fleet.js';
import { RouterMetricsSource } from './metrics.js';
import { BuiltinTrafficRouter } from './traffic.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

function start(status: number): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status);
    res.end('ok');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve(server);
    }),
  );
}

function get(port: number, headers: Record<string, string>): Promise<number> {
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

function fleetIn(base: string): RouterFleet {
  execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/router'], { cwd: ROOT });
  return new RouterFleet(join(base, 'routers'), pino({ level: 'silent' }), '127.0.0.1', Date.now);
}

let apps = 0;

describeTrafficRouterConformance('built-in router', async () => {
  const base = mkdtempSync(join(tmpdir(), 'cd-traffic-conformance-'));
  const fleet = fleetIn(base);
  const backend = await start(200);
  const port = (backend.address() as AddressInfo).port;
  return {
    router: new BuiltinTrafficRouter(fleet),
    app: async () => ({
      environment: 'test',
      app: `app${(apps += 1)}`,
      port: await freePortBlock(1),
    }),
    target: () => ({ kind: 'endpoints', endpoints: [{ host: '127.0.0.1', port }] }),
    headerRouting: true,
    cleanup: async () => {
      await fleet.stopAll();
      await new Promise((resolve) => backend.close(resolve));
      rmSync(base, { recursive: true, force: true });
    },
  };
});

describeMetricsSourceConformance('built-in router', async () => {
  const base = mkdtempSync(join(tmpdir(), 'cd-metrics-conformance-'));
  const fleet = fleetIn(base);
  const traffic = new BuiltinTrafficRouter(fleet);
  // One backend per version; each fails while it has failures left to give.
  const failures: Record<string, number> = { v1: 0, v2: 0 };
  const backend = (version: string) => {
    const server = http.createServer((_req, res) => {
      const failing = (failures[version] ?? 0) > 0;
      if (failing) failures[version] = (failures[version] ?? 0) - 1;
      res.writeHead(failing ? 503 : 200);
      res.end('ok');
    });
    return new Promise<http.Server>((resolve) =>
      server.listen(0, '127.0.0.1', () => {
        resolve(server);
      }),
    );
  };
  const servers = { v1: await backend('v1'), v2: await backend('v2') };
  const at = (s: http.Server) => ({
    kind: 'endpoints' as const,
    endpoints: [{ host: '127.0.0.1', port: (s.address() as AddressInfo).port }],
  });
  const entry = { environment: 'test', app: 'measured', port: await freePortBlock(1) };
  await traffic.open(entry);
  await traffic.apply(entry, {
    versions: [
      { version: 'v1', weight: 100, target: at(servers.v1) },
      { version: 'v2', weight: 0, target: at(servers.v2) },
    ],
    stable: 'v1',
    canary: 'v2',
    headerRouting: true,
    sticky: false,
  });
  return {
    source: new RouterMetricsSource(fleet),
    app: { environment: entry.environment, app: entry.app },
    drive: async (version, requests, errors) => {
      failures[version] = errors;
      const pin = { 'x-canary': version === 'v2' ? 'always' : 'never' };
      for (let i = 0; i < requests; i += 1) await get(entry.port, pin);
    },
    cleanup: async () => {
      await fleet.stopAll();
      await Promise.all(
        Object.values(servers).map((s) => new Promise((resolve) => s.close(resolve))),
      );
      rmSync(base, { recursive: true, force: true });
    },
  };
});
