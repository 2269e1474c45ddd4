import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

interface Usage {
  tenant: string;
  window: string;
  rows: { resource: string; start: string; amount: number; events: number }[];
}

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

function apiCalls(usage: Usage): number {
  return usage.rows.filter((r) => r.resource === 'api_calls').reduce((sum, r) => sum + r.amount, 0);
}

describe('usage metering and the audit trail on a real server', () => {
  it('counts every API call of the tenant, and the counts survive a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'codedance-usage-'));
    folders.push(dataDir);
    let server: TestServer = await startTestServer({ dataDir });
    try {
      const calls = 25;
      for (let i = 0; i < calls; i++) expect((await server.get('/api/tasks')).status).toBe(200);
      const first = await server.json<Usage>('/api/usage?window=hour');
      expect(first.status).toBe(200);
      expect(first.body.tenant).toBe('default');
      expect(apiCalls(first.body)).toBe(calls);
      // The usage call itself counts once it is answered.
      const second = await server.json<Usage>('/api/usage');
      expect(second.body.window).toBe('day');
      expect(apiCalls(second.body)).toBe(calls + 1);
      expect(second.body.rows[0]?.start).toMatch(/T00:00:00\.000Z$/);
    } finally {
      await server.cleanup();
    }
    // Calls made since the last flush are written when the server stops.
    server = await startTestServer({ dataDir });
    try {
      const after = await server.json<Usage>('/api/usage');
      expect(apiCalls(after.body)).toBe(25 + 2);
      const csv = await (await server.get('/api/usage/export?format=csv&window=hour')).text();
      expect(csv.split('\n')[0]).toBe('start,resource,amount,events');
      expect(csv).toMatch(/,api_calls,28,28\n/);
      expect((await server.get('/api/usage?window=week')).status).toBe(400);
    } finally {
      await server.cleanup();
    }
  });

  it('writes what an operator changes to the audit trail, not what it reads', async () => {
    const server = await startTestServer();
    folders.push(server.dataDir);
    try {
      const created = await server.get('/api/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'nightly',
          script_path: process.execPath,
          interval_minutes: 60,
        }),
      });
      const refused = await server.get('/api/tasks', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'BAD ID' }),
      });
      expect(created.status).toBe(201);
      expect(refused.status).toBe(400);
      let entries: { action: string; status: number; result: string; actorKind: string }[] = [];
      for (let i = 0; i < 50 && entries.length < 2; i++) {
        entries = (await server.json<{ entries: typeof entries }>('/api/audit')).body.entries;
        if (entries.length < 2) await new Promise((r) => setTimeout(r, 50));
      }
      expect(entries.map((e) => [e.action, e.status, e.result, e.actorKind])).toEqual([
        ['POST /api/tasks', 400, 'refused', 'admin'],
        ['POST /api/tasks', 201, 'ok', 'admin'],
      ]);
    } finally {
      await server.cleanup();
    }
  });
});
