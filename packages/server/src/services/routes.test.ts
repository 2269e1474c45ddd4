import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareApp, type BareApp } from '../http/test-support/bare-app.js';
import { Harness } from './test-support/harness.js';
import { serviceRoutes } from './routes.js';

let h: Harness;
let app: BareApp;

beforeAll(async () => {
  h = new Harness();
  await h.open();
  app = await startBareApp((fastify) => {
    serviceRoutes(fastify, { services: () => h.supervisor });
  });
});

afterAll(async () => {
  await app.close();
  await h.cleanup();
});

/** The fields these tests read; the rest is checked with toMatchObject. */
interface Answer {
  error: { code: string; message: string; details: { problems: { path: string }[] } };
  instances: { pid: number | null }[];
  entries: { line: string }[];
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${app.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const answer = (text === '' ? null : JSON.parse(text)) as Answer;
  return { status: response.status, etag: response.headers.get('etag'), body: answer };
}

const sleeper = {
  command: process.execPath,
  args: ['-e', "console.log('hello'); setInterval(() => {}, 1000)"],
};

describe('the service API', () => {
  it('refuses a bad definition with 400 naming every field', async () => {
    const { status, body } = await call('POST', '/api/services', {
      name: 'bad name',
      instances: 0,
      restart: 'sometimes',
      readiness: { type: 'log', pattern: '(' },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('CD_VALIDATION_FAILED');
    const paths = body.error.details.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/name', '/command', '/instances', '/restart']));
  });

  it('answers 404 for a service that does not exist, on every route', async () => {
    for (const [method, path] of [
      ['GET', '/api/services/nope'],
      ['DELETE', '/api/services/nope'],
      ['POST', '/api/services/nope/start'],
      ['POST', '/api/services/nope/restart'],
      ['GET', '/api/services/nope/logs'],
    ] as const) {
      const { status, body } = await call(method, path);
      expect(status, `${method} ${path}`).toBe(404);
      expect(body.error).toMatchObject({
        code: 'CD_NOT_FOUND',
        message: "service 'nope' does not exist.",
      });
    }
  });

  it('defines without starting, starts, reads logs, refuses a stale If-Match, and deletes', async () => {
    const created = await call('POST', '/api/services?start=false', { name: 'svc', ...sleeper });
    expect(created.status).toBe(201);
    expect(created.etag).toBe('"1"');
    expect(created.body).toMatchObject({ name: 'svc', status: 'STOPPED', ready: 0, desired: 1 });
    expect((await call('POST', '/api/services', { name: 'svc', ...sleeper })).status).toBe(409);

    const started = await call('POST', '/api/services/svc/start');
    expect(started.status).toBe(200);
    expect(started.body.instances[0]?.pid).toEqual(expect.any(Number));
    await h.until('svc', (v) => v.status === 'ONLINE');

    const deadline = Date.now() + 5000;
    let logs = await call('GET', '/api/services/svc/logs?instance=0&limit=10');
    while (!logs.body.entries.some((e) => e.line === 'hello') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      logs = await call('GET', '/api/services/svc/logs?instance=0&limit=10');
    }
    expect(logs.body.entries[0]).toMatchObject({
      source: { kind: 'service', id: 'svc', instance: 0 },
      stream: 'stdout',
      line: 'hello',
    });
    expect((await call('GET', '/api/services/svc/logs?colour=red')).status).toBe(400);

    const stale = await call(
      'PUT',
      '/api/services/svc',
      { ...sleeper, env: { A: '1' } },
      { 'if-match': '"0"' },
    );
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CD_CONFLICT');
    const renamed = await call('PUT', '/api/services/svc', { ...sleeper, name: 'other' });
    expect(renamed.status).toBe(400);
    const current = await call('GET', '/api/services/svc');
    const updated = await call(
      'PUT',
      '/api/services/svc',
      { ...sleeper, env: { A: '1' } },
      { 'if-match': current.etag! },
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      generation: 2,
      status: 'ONLINE',
      spec: { env: { A: '1' } },
    });

    expect((await call('POST', '/api/services/svc/scale', { instances: 0 })).status).toBe(400);
    const scaled = await call('POST', '/api/services/svc/scale', { instances: 2 });
    expect(scaled.body.instances).toHaveLength(2);

    const stopped = await call('POST', '/api/services/svc/stop');
    expect(stopped.body).toMatchObject({ status: 'STOPPED' });
    expect((await call('DELETE', '/api/services/svc')).status).toBe(204);
    expect((await call('GET', '/api/services')).body).toEqual({
      services: [],
      total: 0,
      nextCursor: null,
    });
  });
});
