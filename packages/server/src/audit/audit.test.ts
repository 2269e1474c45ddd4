import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { CodedanceError, type Principal } from '@codedance/core';
import { guardApp } from '../auth/test-support/access.js';
import { startBareApp, type BareApp } from '../http/test-support/bare-app.js';
import { SqliteStore } from '../store/index.js';
import { AuditTrail, auditRoutes, installAuditTrail, type AuditView } from './index.js';

const opened: BareApp[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** A server whose callers are the admin token, or (by header, in this test only) a session of tenant `b`. */
async function serve() {
  const store = new SqliteStore({ path: ':memory:' });
  await store.open();
  const trail = new AuditTrail(() => store, pino({ level: 'silent' }));
  let token = '';
  const bare = await startBareApp(async (app) => {
    const guarded = await guardApp(app, { token: 'a-long-enough-admin-token' });
    token = guarded.token;
    app.addHook('onClose', async () => {
      await guarded.release();
      await store.close();
    });
    const other: Principal = { kind: 'session', id: 'sess-b', tenant: 'b', role: 'operator' };
    app.addHook('onRequest', (request, _reply, done) => {
      if (request.headers['x-test-tenant'] === 'b') request.principal = other;
      done();
    });
    installAuditTrail(app, trail);
    app.post('/api/things/:name', { config: { access: 'optional' } }, (request) => {
      const { name } = request.params as { name: string };
      if (name === 'bad') throw new CodedanceError('CD_BAD_REQUEST', { message: 'no' });
      if (name === 'boom') throw new Error('boom');
      request.auditSummary = `created thing ${name}`;
      return { ok: true };
    });
    app.get('/api/things', () => ({ ok: true }));
    auditRoutes(app, { trail });
  });
  opened.push(bare);
  const call = (method: string, path: string, headers: Record<string, string> = {}) =>
    fetch(`${bare.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers },
    });
  /** Entries are written after the answer: wait until the trail holds `n`. */
  const entries = async (n: number, headers: Record<string, string> = {}): Promise<AuditView[]> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const body = (await (await call('GET', '/api/audit?limit=500', headers)).json()) as {
        entries: AuditView[];
      };
      if (body.entries.length >= n || Date.now() > deadline) return body.entries;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { call, entries, url: bare.url };
}

describe('the audit trail', () => {
  it('records who changed what, from where, with what result; reads are not changes', async () => {
    const server = await serve();
    expect((await server.call('POST', '/api/things/shop')).status).toBe(200);
    expect((await server.call('POST', '/api/things/bad')).status).toBe(400);
    expect((await server.call('POST', '/api/things/boom')).status).toBe(500);
    expect((await server.call('GET', '/api/things')).status).toBe(200);
    const trail = await server.entries(3);
    expect(trail).toHaveLength(3);
    expect(trail.map((e) => [e.path, e.status, e.result])).toEqual([
      ['/api/things/boom', 500, 'failed'],
      ['/api/things/bad', 400, 'refused'],
      ['/api/things/shop', 200, 'ok'],
    ]);
    expect(trail[2]).toMatchObject({
      actorKind: 'admin',
      actorId: 'admin',
      role: 'admin',
      action: 'POST /api/things/:name',
      summary: 'created thing shop',
      address: '127.0.0.1',
    });
  });

  it('records nothing for an anonymous caller, so a flood of them cannot fill the store', async () => {
    const server = await serve();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${server.url}/api/things/x`, { method: 'POST' }).then((r) => r.arrayBuffer()),
      ),
    );
    await server.call('POST', '/api/things/marker');
    const trail = await server.entries(1);
    expect(trail.map((e) => e.path)).toEqual(['/api/things/marker']);
  });

  it('keeps each tenant’s trail to itself', async () => {
    const server = await serve();
    await server.call('POST', '/api/things/of-a');
    await server.call('POST', '/api/things/of-b', { 'x-test-tenant': 'b' });
    expect((await server.entries(1)).map((e) => e.path)).toEqual(['/api/things/of-a']);
    const seenByB = await server.entries(1, { 'x-test-tenant': 'b' });
    expect(seenByB.map((e) => [e.path, e.actorId, e.role])).toEqual([
      ['/api/things/of-b', 'sess-b', 'operator'],
    ]);
    const exported = await (
      await server.call('GET', '/api/audit/export?format=csv', { 'x-test-tenant': 'b' })
    ).text();
    expect(exported).toContain('/api/things/of-b');
    expect(exported).not.toContain('of-a');
  });

  it('pages, filters and exports', async () => {
    const server = await serve();
    for (let i = 0; i < 5; i++) await server.call('POST', `/api/things/t${i}`);
    await server.call('POST', '/api/things/bad');
    await server.entries(6);
    const first = (await (await server.call('GET', '/api/audit?limit=2&order=asc')).json()) as {
      entries: AuditView[];
      nextCursor: string;
    };
    expect(first.entries.map((e) => e.path)).toEqual(['/api/things/t0', '/api/things/t1']);
    const second = (await (
      await server.call(
        'GET',
        `/api/audit?limit=2&order=asc&cursor=${encodeURIComponent(first.nextCursor)}`,
      )
    ).json()) as { entries: AuditView[] };
    expect(second.entries.map((e) => e.path)).toEqual(['/api/things/t2', '/api/things/t3']);
    const refused = (await (await server.call('GET', '/api/audit?result=refused')).json()) as {
      entries: AuditView[];
    };
    expect(refused.entries.map((e) => e.path)).toEqual(['/api/things/bad']);
    const json = await server.call('GET', '/api/audit/export');
    expect(json.headers.get('content-disposition')).toMatch(/codedance-audit\.json/);
    expect(((await json.json()) as unknown[]).length).toBe(6);
    const csv = await (await server.call('GET', '/api/audit/export?format=csv&result=ok')).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('at,actorKind,actorId,role,action,path,summary,address,status,result');
    expect(lines).toHaveLength(6);
    expect((await server.call('GET', '/api/audit?limit=0')).status).toBe(400);
    expect((await server.call('GET', '/api/audit?cursor=forged')).status).toBe(400);
  });
});
