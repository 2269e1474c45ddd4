import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

interface Issued {
  token: string;
  info: { id: string; name: string; role: string; tenant: string; lastUsedAt: string | null };
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.cleanup();
});

function as(token: string, method = 'GET', body?: unknown): RequestInit {
  return {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

async function issue(by: string, role: string, name = `${role} token`) {
  return server.json<Issued>('/api/tokens', as(by, 'POST', { name, role }));
}

const task = (id: string) => ({ id, script_path: process.execPath, interval_minutes: 60 });

describe('API tokens and roles on a real server', () => {
  it('shows a token once, keeps only its hash, and lists what it is', async () => {
    const issued = await issue(server.token, 'viewer', 'dashboards');
    expect(issued.status).toBe(201);
    expect(issued.headers.get('cache-control')).toBe('no-store');
    expect(issued.body.token).toMatch(/^cdt\.default\.[A-Za-z0-9_-]{12}\.[A-Za-z0-9_-]{43}$/);
    const listed = await server.json<{ tokens: Record<string, unknown>[] }>('/api/tokens');
    const mine = listed.body.tokens.find((t) => t.id === issued.body.info.id);
    expect(mine).toMatchObject({
      name: 'dashboards',
      role: 'viewer',
      tenant: 'default',
      createdBy: 'admin',
    });
    expect(JSON.stringify(listed.body)).not.toContain(issued.body.token.split('.')[3]);
    expect(Object.keys(mine ?? {})).not.toContain('hash');
  });

  it('lets a viewer read and nothing more', async () => {
    const viewer = (await issue(server.token, 'viewer')).body.token;
    expect((await server.get('/api/tasks', as(viewer))).status).toBe(200);
    const refused = await server.json<{
      error: { code: string; message: string; details: unknown };
    }>('/api/tasks', as(viewer, 'POST', task('by-viewer')));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'CD_FORBIDDEN',
      details: { permission: 'operate', role: 'viewer' },
    });
    expect(refused.body.error.message).toMatch(/role operator or above/);
    expect((await server.get('/api/tokens', as(viewer))).status).toBe(403);
    expect((await server.get('/api/settings/config', as(viewer))).status).toBe(403);
    expect((await server.get('/api/tasks/by-viewer')).status).toBe(404);
  });

  it('lets an operator run things but not administer the tenant or the platform', async () => {
    const operator = (await issue(server.token, 'operator')).body.token;
    expect((await server.get('/api/tasks', as(operator, 'POST', task('by-operator')))).status).toBe(
      201,
    );
    expect((await issue(operator, 'viewer')).status).toBe(403);
    expect((await server.get('/api/auth/login-links', as(operator, 'POST', {}))).status).toBe(403);
    expect(
      (await server.get('/api/auth/admin-token/rotate', as(operator, 'POST', {}))).status,
    ).toBe(403);
  });

  it('lets a tenant admin issue tokens up to its own role, not sign-in links for the platform', async () => {
    const admin = (await issue(server.token, 'admin')).body.token;
    expect((await issue(admin, 'operator')).status).toBe(201);
    expect((await server.get('/api/auth/login-links', as(admin, 'POST', {}))).status).toBe(403);
    expect((await server.get('/api/settings/config', as(admin, 'PUT', {}))).status).toBe(403);
  });

  it('refuses a revoked, a wrong or a forged token with 401, saying no more', async () => {
    const issued = (await issue(server.token, 'viewer')).body;
    expect((await server.get('/api/tasks', as(issued.token))).status).toBe(200);
    const revoked = await server.json<{ revokedAt: string | null }>(
      `/api/tokens/${issued.info.id}`,
      as(server.token, 'DELETE'),
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await server.get('/api/tasks', as(issued.token))).status).toBe(401);
    const [, tenant, id, secret = ''] = issued.token.split('.');
    const wrong = `cdt.${tenant}.${id}.${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect((await server.get('/api/tasks', as(wrong))).status).toBe(401);
    expect((await server.get('/api/tasks', as(`cdt.other.${id}.${secret}`))).status).toBe(401);
    expect(
      (await server.get(`/api/tokens/not-a-token-id`, as(server.token, 'DELETE'))).status,
    ).toBe(400);
    expect((await server.get(`/api/tokens/AAAAAAAAAAAA`, as(server.token, 'DELETE'))).status).toBe(
      404,
    );
  });

  it('names the token in the audit trail and notes its last use', async () => {
    const issued = (await issue(server.token, 'operator', 'ci')).body;
    expect((await server.get('/api/tasks', as(issued.token, 'POST', task('by-ci')))).status).toBe(
      201,
    );
    let entries: { actorKind: string; actorId: string; role: string; action: string }[] = [];
    for (let i = 0; i < 50; i++) {
      entries = (
        await server.json<{ entries: typeof entries }>('/api/audit?actor=' + issued.info.id)
      ).body.entries;
      if (entries.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(entries[0]).toMatchObject({
      actorKind: 'token',
      role: 'operator',
      action: 'POST /api/tasks',
    });
    let lastUsed: string | null = null;
    for (let i = 0; i < 50 && lastUsed === null; i++) {
      const listed = await server.json<{ tokens: Issued['info'][] }>('/api/tokens');
      lastUsed = listed.body.tokens.find((t) => t.id === issued.info.id)?.lastUsedAt ?? null;
      if (lastUsed === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(lastUsed).not.toBeNull();
  });
});
