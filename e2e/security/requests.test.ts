import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { closed, signIn, upgrade } from './support.js';

/**
 * Hostile requests against a server on loopback with its default
 * configuration: nobody is let in without the credential, a page of another
 * site cannot drive it, and a rebinding name is not answered.
 */

let server: TestServer;
const APP_ORIGIN = 'https://app.example.com';

beforeAll(async () => {
  server = await startTestServer({ env: { CODEDANCE_CORS_ORIGINS: APP_ORIGIN } });
});
afterAll(async () => {
  await server.cleanup();
});

const anonymous = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);

/** A request with a Host header of our choosing (fetch does not let one be set). */
function withHost(
  path: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: { ...headers, host } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('a caller without the credential, on loopback', () => {
  it('is refused (401) by the REST API, /metrics and the API description', async () => {
    for (const path of [
      '/api/status',
      '/api/tasks',
      '/api/services',
      '/api/settings/config',
      '/api/system/processes',
      '/metrics',
      '/api/docs/',
      '/api/openapi.json',
      '/api/auth/session',
    ]) {
      const response = await anonymous(path);
      expect(response.status, path).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code, path).toBe(
        'CD_UNAUTHENTICATED',
      );
    }
    const created = await anonymous('/api/tasks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'pwned', script_path: '/bin/true' }),
    });
    expect(created.status).toBe(401);
    expect((await server.json('/api/tasks/pwned')).status).toBe(404);
  });

  it('is refused (401) by each WebSocket before the upgrade', async () => {
    for (const path of ['/ws', '/ws/logs', '/ws/events']) {
      const answer = await upgrade(server, path);
      expect('status' in answer && answer.status, path).toBe(401);
    }
    const wrong = await upgrade(server, '/ws', { authorization: 'Bearer not-the-token-at-all' });
    expect('status' in wrong && wrong.status).toBe(401);
  });

  it('still reaches the pages of the dashboard, which hold no data', async () => {
    const page = await anonymous('/tasks');
    expect([200, 503]).toContain(page.status);
  });

  it('learns from /health only whether the server is up', async () => {
    const open = await anonymous('/health');
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ status: 'ok' });
    const told = await server.json<{ store: { backend: string } }>('/health');
    expect(told.body.store.backend).toBe('sqlite');
  });
});

describe('DNS rebinding', () => {
  it('answers 421 to a Host that is not this server, on REST and on sockets, even with the token', async () => {
    const rest = await withHost('/api/status', 'evil.example:8100', server.auth);
    expect(rest.status).toBe(421);
    expect(JSON.parse(rest.body)).toMatchObject({ error: { code: 'CD_UNKNOWN_HOST' } });
    const page = await withHost('/tasks', 'evil.example');
    expect(page.status).toBe(421);
    const socket = await upgrade(server, '/ws', { ...server.auth, host: 'evil.example' });
    expect('status' in socket && socket.status).toBe(421);
    for (const host of ['localhost:8100', '127.0.0.2', '[::1]:1']) {
      expect((await withHost('/api/status', host, server.auth)).status, host).toBe(200);
    }
  });
});

describe('cross-site requests', () => {
  it('refuses a state-changing request from a foreign Origin, even with the token', async () => {
    const response = await server.get('/api/tasks', {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'x', script_path: '/bin/true' }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'CD_CROSS_ORIGIN',
    );
    // Another port of the same host is another origin.
    const sibling = await server.get('/api/tasks/batch/run', {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' },
    });
    expect(sibling.status).toBe(403);
  });

  it('refuses a bodyless POST the browser marks cross-site, even with a session cookie', async () => {
    const cookie = await signIn(server);
    const response = await anonymous('/api/auth/logout', {
      method: 'POST',
      headers: { cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(response.status).toBe(403);
    // The session was not touched.
    expect((await anonymous('/api/auth/session', { headers: { cookie } })).status).toBe(200);
  });

  it("accepts the dashboard's own same-origin requests", async () => {
    const cookie = await signIn(server);
    const response = await anonymous('/api/settings/validate-config', {
      method: 'POST',
      headers: {
        cookie,
        origin: server.url,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      body: '{}',
    });
    expect(response.status).toBe(200);
  });

  it('refuses a socket from a foreign Origin even with a valid session cookie', async () => {
    const cookie = await signIn(server);
    const foreign = await upgrade(server, '/ws', { cookie, origin: 'http://evil.example' });
    expect('status' in foreign && foreign.status).toBe(403);
    const own = await upgrade(server, '/ws', { cookie, origin: server.url });
    expect('socket' in own).toBe(true);
    if ('socket' in own) own.socket.close();
  });

  it('answers CORS for exactly server.corsOrigins, and lets that origin call with the token', async () => {
    const preflight = await anonymous('/api/tasks', {
      method: 'OPTIONS',
      headers: {
        origin: APP_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'authorization',
    );
    const actual = await server.get('/api/tasks/batch/run', {
      method: 'POST',
      headers: {
        origin: APP_ORIGIN,
        'sec-fetch-site': 'cross-site',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ ids: [] }),
    });
    expect(actual.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(actual.status).not.toBe(403);

    const other = await anonymous('/api/tasks', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('sessions', () => {
  it('trades a link for an HttpOnly, SameSite=Strict cookie once, and redirects without the code', async () => {
    const { url } = server.loginLink();
    const first = await fetch(url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const cookie = first.headers.get('set-cookie') ?? '';
    const port = new URL(server.url).port;
    expect(cookie).toMatch(new RegExp(`^codedance_session_${port}=[A-Za-z0-9_-]{40,};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');

    const again = await fetch(url, { redirect: 'manual' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('/?signin=expired');
    expect(again.headers.get('set-cookie')).toBeNull();
    const forged = await fetch(`${server.url}/login?code=made-up-code`, { redirect: 'manual' });
    expect(forged.headers.get('set-cookie')).toBeNull();
  });

  it('keeps only a hash of the session in the store', async () => {
    const cookie = await signIn(server);
    const value = cookie.split('=')[1] ?? '';
    const db = await readFile(join(server.dataDir, 'codedance.db')).catch(() => Buffer.alloc(0));
    const wal = await readFile(join(server.dataDir, 'codedance.db-wal')).catch(() =>
      Buffer.alloc(0),
    );
    expect(Buffer.concat([db, wal]).includes(value)).toBe(false);
  });

  it('signs out: the session ends and its socket is closed', async () => {
    const cookie = await signIn(server);
    const opened = await upgrade(server, '/ws', { cookie });
    if (!('socket' in opened)) throw new Error(`refused ${opened.status}`);
    const ending = closed(opened.socket);
    const out = await anonymous('/api/auth/logout', {
      method: 'POST',
      headers: { cookie, origin: server.url },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/Expires=Thu, 01 Jan 1970|Max-Age=0/);
    expect(await ending).toEqual({ code: 4401, reason: 'signed out' });
    const after = await anonymous('/api/status', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe(
      'CD_SESSION_ENDED',
    );
  });

  it('trades the admin token for a session, and refuses a wrong one', async () => {
    const wrong = await anonymous('/api/auth/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ token: 'not-the-admin-token' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await anonymous('/api/auth/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: server.url },
      body: JSON.stringify({ token: server.token }),
    });
    expect(right.status).toBe(200);
    const cookie = (right.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const me = await anonymous('/api/auth/session', { headers: { cookie } });
    expect(await me.json()).toMatchObject({
      principal: { kind: 'session', tenant: 'default', role: 'admin' },
      expiresAt: expect.any(String),
    });
  });
});

describe('the OpenAPI document', () => {
  it('names the bearer token and the session cookie as the ways in', async () => {
    const { body } = await server.json<{
      components: { securitySchemes: Record<string, { type: string; in?: string }> };
      security: Record<string, unknown>[];
    }>('/api/openapi.json');
    expect(body.components.securitySchemes.bearer?.type).toBe('http');
    expect(body.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie' });
    expect(body.security).toEqual([{ bearer: [] }, { session: [] }]);
  });
});
