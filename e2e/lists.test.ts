import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '@codedance/server';
import { startTestServer, type TestServer } from './support/server.js';

/** The paging contract of every list, through a real server and its SQLite store. */

interface Page {
  total: number;
  nextCursor: string | null;
  [key: string]: unknown;
}

let server: TestServer;
const TASKS = Array.from({ length: 130 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
const SERVICES = Array.from({ length: 12 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
const T0 = Date.parse('2026-12-01T00:00:00.000Z');

async function get(path: string): Promise<{ status: number; body: Page }> {
  const { status, body } = await server.json<Page>(path);
  return { status, body };
}

/** Follows nextCursor to the end; checks every page's size and total. */
async function walk(path: string, key: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let total: number | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const query = `${sep}limit=${limit}${cursor === null ? '' : `&cursor=${cursor}`}`;
    const { status, body } = await get(`${path}${query}`);
    expect(status).toBe(200);
    const items = body[key] as { id?: string; name?: string }[];
    expect(items.length).toBeLessThanOrEqual(limit);
    total ??= body.total;
    expect(body.total).toBe(total);
    ids.push(...items.map((item) => item.id ?? item.name ?? ''));
    cursor = body.nextCursor;
  } while (cursor !== null);
  expect(ids).toHaveLength(total);
  return ids;
}

beforeAll(async () => {
  // Releases are written to the store before the server starts, as a server that made them would.
  const dataDir = await mkdtemp(join(tmpdir(), 'codedance-lists-'));
  const store = createStore(`sqlite:${join(dataDir, 'codedance.db')}`);
  await store.open();
  for (let i = 0; i < 75; i++) {
    const id = `dep-20261201-${i.toString(16).padStart(8, '0')}`;
    await store.create('default', 'deployment-index', id, {
      id,
      app: i % 2 === 0 ? 'shop' : 'cart',
      environment: 'production',
      version: `v${i}`,
      previousVersion: null,
      deploymentType: 'CANARY',
      status: i % 3 === 0 ? 'FAILED' : 'COMPLETED',
      reason: null,
      executor: 'ci',
      startTime: new Date(T0 + i * 60_000).toISOString(),
      endTime: new Date(T0 + i * 60_000 + 1000).toISOString(),
      durationMs: 1000,
      phase: 'Succeeded',
      currentStep: 1,
      currentWeight: 100,
      percentage: 100,
    });
  }
  await store.close();
  server = await startTestServer({ dataDir });
  const post = (path: string, body: unknown) =>
    server.json(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  for (const id of [...TASKS].reverse()) {
    const answer = await post('/api/tasks', {
      id,
      script_path: process.execPath,
      args: ['-e', '0'],
      enabled: !id.endsWith('7'),
    });
    expect(answer.status).toBe(201);
  }
  for (const name of SERVICES) {
    const answer = await post('/api/services?start=false', {
      name,
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
    });
    expect(answer.status).toBe(201);
  }
}, 180_000);

afterAll(async () => {
  await server.cleanup();
});

describe('paged lists', () => {
  it('tasks: 50 by default, by id, every task once in pages, asc and desc', async () => {
    const first = await get('/api/tasks');
    expect(first.body.tasks).toHaveLength(50);
    expect(first.body.total).toBe(130);
    expect(typeof first.body.nextCursor).toBe('string');
    expect(await walk('/api/tasks', 'tasks', 40)).toEqual(TASKS);
    expect(await walk('/api/tasks?order=desc', 'tasks', 33)).toEqual([...TASKS].reverse());
    const all = await get('/api/tasks?limit=500');
    expect(all.body.nextCursor).toBeNull();
  });

  it('tasks: filters by status, name prefix and text, with exact totals', async () => {
    const disabled = TASKS.filter((id) => id.endsWith('7'));
    expect(await walk('/api/tasks?status=DISABLED', 'tasks', 4)).toEqual(disabled);
    expect((await get('/api/tasks?status=DISABLED,IDLE')).body.total).toBe(130);
    expect(await walk('/api/tasks?prefix=job-12', 'tasks', 3)).toEqual(
      TASKS.filter((id) => id.startsWith('job-12')),
    );
    expect((await get('/api/tasks?q=JOB-05')).body.total).toBe(10);
    expect((await get('/api/tasks?prefix=nothing')).body).toEqual({
      tasks: [],
      total: 0,
      nextCursor: null,
    });
  });

  it('refuses a cursor of another list or other filters, a forged one, and bad limits', async () => {
    const tasks = (await get('/api/tasks?limit=2')).body.nextCursor ?? '';
    const services = (await get('/api/services?limit=2')).body.nextCursor ?? '';
    const refusals: [string, RegExp][] = [
      [`/api/services?cursor=${tasks}`, /list of tasks/],
      [`/api/tasks?cursor=${services}`, /list of services/],
      [`/api/tasks?cursor=${tasks}&order=desc`, /other filters or another order/],
      [`/api/tasks?cursor=${tasks}&prefix=job`, /other filters/],
      [`/api/tasks?cursor=${Buffer.from('[1]').toString('base64url')}`, /not a nextCursor/],
      ['/api/tasks?cursor=50', /not a nextCursor/],
      [`/api/deployments?cursor=${tasks}`, /list of tasks/],
      [`/api/apps?cursor=${tasks}`, /list of tasks/],
    ];
    for (const [path, message] of refusals) {
      const { status, body } = await server.json<{ error: { code: string; message: string } }>(
        path,
      );
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(body.error.code).toBe('CD_BAD_REQUEST');
      expect(body.error.message).toMatch(message);
    }
    for (const bad of ['limit=0', 'limit=501', 'limit=x', 'order=up', 'status=NOPE', 'colour=1']) {
      expect((await get(`/api/tasks?${bad}`)).status).toBe(400);
    }
  });

  it('services: by name, filtered by status and prefix', async () => {
    expect(await walk('/api/services', 'services', 5)).toEqual(SERVICES);
    expect(await walk('/api/services?status=STOPPED&prefix=svc-1', 'services', 1)).toEqual([
      'svc-10',
      'svc-11',
    ]);
    expect((await get('/api/services?status=ONLINE')).body.total).toBe(0);
  });

  it('deployments: newest first by keyset, oldest first on asking, filtered', async () => {
    const versions = async (path: string, limit: number) =>
      (await walk(path, 'items', limit)).map((id) => parseInt(id.slice(-8), 16));
    const newest = Array.from({ length: 75 }, (_, i) => 74 - i);
    expect(await versions('/api/deployments', 20)).toEqual(newest);
    expect(await versions('/api/deployments?order=asc', 30)).toEqual([...newest].reverse());
    const failed = newest.filter((i) => i % 3 === 0);
    expect(await versions('/api/deployments?status=FAILED&app=shop', 4)).toEqual(
      failed.filter((i) => i % 2 === 0),
    );
  });

  it('task runs and events page with totals too', async () => {
    const runs = await get('/api/tasks/job-000/runs?limit=5');
    expect(runs.body).toEqual({ items: [], total: 0, nextCursor: null });
    const other = (await get('/api/tasks/job-000/runs?limit=5&order=asc')).body;
    expect(other.total).toBe(0);
    const events = await get('/api/events?limit=7&types=task.status');
    expect(events.body.total).toBe(130);
    const pages = await walk('/api/events?types=task.status', 'events', 40);
    expect(pages).toHaveLength(130);
    expect(typeof events.body.lastSeq).toBe('number');
  });

  it('apps and canaries answer pages even when empty', async () => {
    expect((await get('/api/apps')).body).toEqual({ apps: [], total: 0, nextCursor: null });
    const canaries = await server.json<unknown[]>('/api/canaries');
    expect(canaries.body).toEqual([]);
    expect(canaries.headers.get('x-total-count')).toBe('0');
  });
});
