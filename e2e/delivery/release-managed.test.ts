import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  post,
  shopManifest,
  startTestServer,
  until,
  type Deployment,
  type TestServer,
} from './support.js';

const ENDED = ['COMPLETED', 'FAILED', 'ROLLED_BACK'];

interface ServiceAnswer {
  name: string;
  status: string;
  release: { namespace: string; app: string; version: string; role: string } | null;
}

/** Services a release runs: marked, guarded, and gone once retired. */
describe('versions a release runs', () => {
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    server = await startTestServer();
    port = await freePort();
  });

  afterAll(async () => {
    await server.json('/api/apps/test/kept', { method: 'DELETE' });
    await server.cleanup();
  });

  const services = async () =>
    (await server.json<{ services: ServiceAnswer[] }>('/api/services')).body.services;

  async function release(version: string): Promise<Deployment> {
    const started = await post<Deployment>(server, '/api/deployments', {
      app: 'kept',
      namespace: 'test',
      version,
      strategy: 'ALL_AT_ONCE',
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    return until(server, started.body.id, ENDED);
  }

  it('marks each version with its part, and refuses to stop or delete it unless forced', async () => {
    // An hour warm: only the next release can retire v1 in time for this test.
    const manifest = shopManifest('kept', port, { keepPrevious: '1h' });
    expect((await post(server, '/api/apply', manifest)).status).toBe(201);
    expect((await release('v1')).status).toBe('COMPLETED');
    expect((await release('v2')).status).toBe('COMPLETED');
    const own = await post(server, '/api/services', {
      name: 'plain',
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
    });
    expect(own.status).toBe(201);

    const listed = new Map((await services()).map((s) => [s.name, s]));
    expect(listed.get('test.kept.v2')?.release).toMatchObject({
      app: 'kept',
      version: 'v2',
      role: 'stable',
    });
    expect(listed.get('test.kept.v1')?.release).toMatchObject({ version: 'v1', role: 'previous' });
    expect(listed.get('plain')?.release).toBeNull();
    const one = await server.json<ServiceAnswer>('/api/services/test.kept.v2');
    expect(one.body.release?.role).toBe('stable');

    const stop = await post<{ error: { code: string; message: string } }>(
      server,
      '/api/services/test.kept.v2/stop',
    );
    expect(stop.status).toBe(409);
    expect(stop.body.error.code).toBe('CD_RELEASE_MANAGED');
    expect(stop.body.error.message).toContain('codedance apps delete test/kept');
    const del = await server.json<{ error: { code: string } }>('/api/services/test.kept.v1', {
      method: 'DELETE',
    });
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('CD_RELEASE_MANAGED');
    const bad = await post(server, '/api/services/test.kept.v2/stop?force=maybe');
    expect(bad.status).toBe(400);
    expect((await services()).find((s) => s.name === 'test.kept.v2')?.status).toBe('ONLINE');
    // A service of its own is stopped as ever.
    expect((await post(server, '/api/services/plain/stop')).status).toBe(200);
    // Forced, the warm version goes.
    const forced = await server.json('/api/services/test.kept.v1?force=true', { method: 'DELETE' });
    expect(forced.status).toBe(204);
    await server.json('/api/services/plain', { method: 'DELETE' });
  }, 120_000);

  it('retires the version kept warm when the next release completes, even before its time', async () => {
    expect((await release('v3')).status).toBe('COMPLETED');
    expect((await release('v4')).status).toBe('COMPLETED');
    const names = (await services()).map((s) => s.name).sort();
    // v2 was warm for an hour when v4 replaced v3: it was stopped and removed, not left running.
    expect(names).toEqual(['test.kept.v3', 'test.kept.v4']);
  }, 120_000);
});
