import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openTenantSession } from '../packages/server/src/auth/test-support/tenant-session.js';
import { shopManifest } from './delivery/support.js';
import { freePort, startTestServer, type TestServer } from './support/server.js';

/**
 * Two tenants on one server, each signed in by a session of its own (the
 * way the dashboard signs in), over real HTTP and WebSockets with the
 * server's SQLite store: neither sees, reaches or exports the other's.
 */

const token = 'tenancy-test-token-0123456789';
let server: TestServer;
let dataDir: string;
const cookies: Record<'a' | 'b', string> = { a: '', b: '' };

async function start(): Promise<void> {
  server = await startTestServer({ dataDir, env: { CODEDANCE_ADMIN_TOKEN: token } });
}

beforeAll(async () => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  dataDir = await mkdtemp(join(tmpdir(), 'codedance-tenancy-'));
  await start();
  const storeUrl = `sqlite:${join(dataDir, 'codedance.db')}`;
  cookies.a = await openTenantSession({ storeUrl, token, tenant: 'a' });
  cookies.b = await openTenantSession({ storeUrl, token, tenant: 'b' });
}, 60_000);

afterAll(async () => {
  // Services outlive a server by design: end them before the folder goes.
  for (const tenant of ['a', 'b'] as const) {
    for (const name of ['shop', 'only-a-svc']) {
      await as(tenant, `/api/services/${name}`, { method: 'DELETE' }).catch(() => undefined);
    }
  }
  await server.cleanup();
  const { rm } = await import('node:fs/promises');
  await rm(dataDir, { recursive: true, force: true });
});

/** The fields of answers this test reads. */
interface Answer {
  tasks: { id: string; args: string[] }[];
  services: { name: string }[];
  items: unknown[];
  run: string;
  status: string;
  entries: { line: string }[];
  events: unknown[];
  apps: { key: string; port: number }[];
}

/** A live message: `ready`, `entry` (logs) or `event`. */
interface LiveMessage {
  type: string;
  entry?: { line: string; source: unknown };
}

function cookieHeader(tenant: 'a' | 'b'): string {
  const port = new URL(server.url).port;
  return `codedance_session_${port}=${cookies[tenant]}`;
}

async function as(
  tenant: 'a' | 'b',
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: Answer; text: string }> {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      cookie: cookieHeader(tenant),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  let body = {} as Answer;
  try {
    body = JSON.parse(text) as Answer;
  } catch {
    // a file or an empty answer
  }
  return { status: response.status, body, text };
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function listen(tenant: 'a' | 'b', path: string) {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, {
    headers: { cookie: cookieHeader(tenant) },
  });
  const messages: LiveMessage[] = [];
  socket.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')) as LiveMessage);
  });
  const ready = until(() => messages.some((m) => m.type === 'ready'), `${path} ready`);
  return { socket, messages, ready };
}

const printer = (word: string) => ({
  script_path: process.execPath,
  args: ['-e', `console.log('${word}')`],
});
const sleeper = (word: string) => ({
  command: process.execPath,
  args: ['-e', `console.log('${word}'); setInterval(() => {}, 1000)`],
});

describe('tenants on one server', () => {
  it('keeps tasks, services, runs, logs, events and exports apart', async () => {
    const bEvents = listen('b', '/ws/events');
    const bLogs = listen('b', '/ws/logs');
    const aLogs = listen('a', '/ws/logs');
    await Promise.all([bEvents.ready, bLogs.ready, aLogs.ready]);

    // The same names in both tenants.
    expect(
      (await as('a', '/api/tasks', { method: 'POST', body: { id: 'shop', ...printer('from-a') } }))
        .status,
    ).toBe(201);
    expect(
      (await as('b', '/api/tasks', { method: 'POST', body: { id: 'shop', ...printer('from-b') } }))
        .status,
    ).toBe(201);
    expect(
      (
        await as('a', '/api/tasks', {
          method: 'POST',
          body: { id: 'only-a', ...printer('from-a') },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await as('a', '/api/services', {
          method: 'POST',
          body: { name: 'shop', ...sleeper('svc-a') },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await as('b', '/api/services', {
          method: 'POST',
          body: { name: 'shop', ...sleeper('svc-b') },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await as('a', '/api/services?start=false', {
          method: 'POST',
          body: { name: 'only-a-svc', ...sleeper('svc-a') },
        })
      ).status,
    ).toBe(201);

    // Each lists only its own.
    const aTasks = (await as('a', '/api/tasks')).body.tasks;
    const bTasks = (await as('b', '/api/tasks')).body.tasks;
    expect(aTasks.map((t) => t.id).sort()).toEqual(['only-a', 'shop']);
    expect(bTasks.map((t) => t.id)).toEqual(['shop']);
    expect(JSON.stringify(bTasks)).not.toContain('from-a');
    const bServices = (await as('b', '/api/services')).body.services;
    expect(bServices.map((s) => s.name)).toEqual(['shop']);
    // The admin credential acts in the default tenant, which has neither.
    const admin = await server.json<{ tasks: unknown[] }>('/api/tasks');
    expect(admin.body.tasks).toEqual([]);

    // A runs its task; B cannot reach the run, nor A's other task or service.
    const run = await as('a', '/api/tasks/shop/run', { method: 'POST' });
    expect(run.status).toBe(202);
    const runId = run.body.run;
    await until(
      async () => (await as('a', `/api/tasks/shop/runs/${runId}`)).body.status === 'SUCCESS',
      'the run of A',
    );
    expect((await as('b', `/api/tasks/shop/runs/${runId}`)).status).toBe(404);
    expect((await as('b', '/api/tasks/shop/runs')).body.items).toEqual([]);
    expect((await as('b', '/api/tasks/only-a')).status).toBe(404);
    expect((await as('b', '/api/tasks/only-a/run', { method: 'POST' })).status).toBe(404);
    expect((await as('b', '/api/services/only-a-svc')).status).toBe(404);
    expect((await as('b', '/api/services/only-a-svc', { method: 'DELETE' })).status).toBe(404);
    expect((await as('a', '/api/services/only-a-svc')).status).toBe(200);

    // Logs: A's lines reach A, by the name A knows, and never B.
    await until(() => aLogs.messages.some((m) => m.entry?.line === 'from-a'), "A's live log line");
    const aLine = aLogs.messages.find((m) => m.entry?.line === 'from-a');
    expect(aLine?.entry?.source).toMatchObject({ kind: 'task', id: 'shop', run: runId });
    await until(
      () => bLogs.messages.some((m) => m.entry?.line === 'svc-b'),
      "B's own service line",
    );
    const aQuery = await as('a', '/api/logs?task=shop');
    expect(aQuery.body.entries.map((e) => e.line)).toContain('from-a');
    const bQuery = await as('b', '/api/logs');
    expect(JSON.stringify(bQuery.body.entries)).not.toMatch(/from-a|svc-a/);
    const bServiceLogs = await as('b', '/api/services/shop/logs');
    expect(JSON.stringify(bServiceLogs.body)).not.toContain('svc-a');

    // Exports hold the caller's tenant only.
    const bExport = await as('b', '/api/export/tasks', {
      method: 'POST',
      body: { format: 'json' },
    });
    expect(bExport.status).toBe(200);
    expect(bExport.text).toContain('from-b');
    expect(bExport.text).not.toMatch(/only-a|from-a/);
    const bLogExport = await as('b', '/api/export/logs', {
      method: 'POST',
      body: { format: 'json' },
    });
    expect(bLogExport.text).not.toMatch(/from-a|svc-a/);
    const bRecent = await as('b', '/api/events?limit=500');
    expect(JSON.stringify(bRecent.body.events)).not.toMatch(/only-a/);

    // B's live streams carried nothing of A's.
    const seen = JSON.stringify([...bEvents.messages, ...bLogs.messages]);
    expect(seen).not.toMatch(/only-a|from-a|svc-a/);
    expect(bEvents.messages.some((m) => m.type === 'event')).toBe(true);
    for (const socket of [bEvents.socket, bLogs.socket, aLogs.socket]) socket.close();
  }, 120_000);

  it('keeps apps of the same name apart, each with its own router folder', async () => {
    const ports = { a: await freePort(), b: await freePort() };
    for (const tenant of ['a', 'b'] as const) {
      const manifest = shopManifest('shop', ports[tenant], { instances: 1 });
      const applied = await as(tenant, '/api/apply', { method: 'POST', body: manifest });
      expect(applied.status, applied.text).toBe(201);
    }
    for (const tenant of ['a', 'b'] as const) {
      const listed = (await as(tenant, '/api/apps')).body.apps;
      expect(listed.map((app) => [app.key, app.port])).toEqual([['test.shop', ports[tenant]]]);
    }
    expect((await server.json<{ apps: unknown[] }>('/api/apps')).body.apps).toEqual([]);
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(dataDir, 'tenants'))).toEqual(expect.arrayContaining(['a', 'b']));
    for (const tenant of ['a', 'b'] as const) {
      expect((await as(tenant, '/api/apps/test/shop', { method: 'DELETE' })).status).toBe(204);
    }
  }, 60_000);

  it('finds every tenant again after a restart', async () => {
    await server.close('restart');
    await start();
    await until(async () => (await as('a', '/api/tasks')).status === 200, 'the server');
    const aTasks = (await as('a', '/api/tasks')).body.tasks;
    expect(aTasks.map((t) => t.id).sort()).toEqual(['only-a', 'shop']);
    const bServices = (await as('b', '/api/services')).body.services;
    expect(bServices.map((s) => s.name)).toEqual(['shop']);
  }, 60_000);
});
