import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient, type CodedanceClient } from '@codedance/client';
import { freePort, startTestServer, type TestServer } from './support/server.js';

/** The typed client against a real server, over the global fetch. */
describe('@codedance/client', () => {
  let server: TestServer;
  let codedance: CodedanceClient;
  beforeAll(async () => {
    server = await startTestServer();
    codedance = createClient({ baseUrl: server.url, token: server.token });
  });
  afterAll(async () => {
    await server.cleanup();
  });

  it('creates, reads, runs and lists a task with typed answers', async () => {
    const created = await codedance.tasks.create({
      id: 'client-echo',
      script_path: '/bin/echo',
      args: ['hello'],
    });
    expect(created).toMatchObject({ id: 'client-echo', status: 'IDLE', version: 1 });
    const trigger = await codedance.tasks.run('client-echo');
    expect(trigger.outcome).toBe('started');
    const detail = await codedance.tasks.get('client-echo');
    expect(detail.stats.runs).toBeGreaterThanOrEqual(0);
    const { tasks, total } = await codedance.tasks.list();
    expect(total).toBe(tasks.length);
    expect(tasks.map((t) => t.id)).toContain('client-echo');
    const { items } = await codedance.tasks.runs('client-echo', { limit: 5 });
    expect(items[0]?.task).toBe('client-echo');
  });

  it('refuses a stale write with the server code, and passes If-Match through', async () => {
    await codedance.tasks.create({ id: 'client-stale', script_path: '/bin/true' });
    const stale = codedance.tasks.update(
      'client-stale',
      { id: 'client-stale', script_path: '/bin/false' },
      { ifMatch: 7 },
    );
    await expect(stale).rejects.toMatchObject({ status: 409, code: 'CD_CONFLICT' });
    const fresh = await codedance.tasks.update(
      'client-stale',
      { id: 'client-stale', script_path: '/bin/false' },
      { ifMatch: 1 },
    );
    expect(fresh.version).toBe(2);
    await expect(codedance.tasks.remove('client-stale')).resolves.toBeUndefined();
  });

  it('throws ApiError with the code, message, details and status of the server', async () => {
    const missing = await codedance.tasks.get('no-such-task').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect(missing).toMatchObject({ status: 404, code: 'CD_NOT_FOUND' });
    const invalid = (await codedance.tasks
      .create({ id: 'bad id!', script_path: '' })
      .catch((e: unknown) => e)) as ApiError;
    expect(invalid.code).toBe('CD_VALIDATION_FAILED');
    expect(invalid.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['/id', '/script_path']),
    );
    const anonymous = createClient({ baseUrl: server.url });
    await expect(anonymous.status()).rejects.toMatchObject({
      status: 401,
      code: 'CD_UNAUTHENTICATED',
    });
  });

  it('lets the caller rewrite errors, as the CLI and the dashboard do on a 401', async () => {
    const seen: string[] = [];
    const anonymous = createClient({
      baseUrl: server.url,
      onError: (error) => {
        seen.push(error.code);
        return new ApiError(error.status, error.code, `${error.message} (no token)`);
      },
    });
    await expect(anonymous.tasks.list()).rejects.toThrow(/\(no token\)$/);
    expect(seen).toEqual(['CD_UNAUTHENTICATED']);
  });

  it('reads /health in full for a signed-in caller and as status alone for anyone else', async () => {
    const { httpStatus, health } = await codedance.health();
    expect(httpStatus).toBe(200);
    expect(health).toMatchObject({ status: 'ok', ready: true });
    const anonymous = await createClient({ baseUrl: server.url }).health();
    expect(anonymous.health).toEqual({ status: 'ok' });
  });

  it('says CD_UNREACHABLE when nothing listens, and CD_BAD_RESPONSE when something else answers', async () => {
    const port = await freePort();
    const nowhere = createClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 5000 });
    const refused = (await nowhere.status().catch((e: unknown) => e)) as ApiError;
    expect(refused).toMatchObject({ status: 0, code: 'CD_UNREACHABLE', unreachable: true });
    expect(refused.message).toMatch(/^cannot reach Codedance at http:\/\/127\.0\.0\.1:\d+: /);

    const other: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>not codedance</h1>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const address = other.address();
    const otherPort = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const stranger = createClient({ baseUrl: `http://127.0.0.1:${otherPort}` });
      await expect(stranger.status()).rejects.toMatchObject({
        status: 200,
        code: 'CD_BAD_RESPONSE',
        message: expect.stringMatching(/is this a Codedance server\?$/),
      });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('sends what an injected fetch is given, with the token', async () => {
    const sent: { url: string; method: string; authorization?: string | undefined }[] = [];
    const recording = createClient({
      baseUrl: server.url,
      token: server.token,
      fetch: async (url, init) => {
        sent.push({ url, method: init.method, authorization: init.headers.authorization });
        return fetch(url, init);
      },
    });
    const events = await recording.events.list({ limit: 3, types: ['task.status'] });
    expect(events.events.length).toBeLessThanOrEqual(3);
    expect(sent).toEqual([
      {
        url: `${server.url}/api/events?limit=3&types=task.status`,
        method: 'GET',
        authorization: `Bearer ${server.token}`,
      },
    ]);
  });
});
