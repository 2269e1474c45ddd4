import { afterEach, describe, expect, it } from 'vitest';
import { TENANT_DEFAULT } from '@codedance/core';
import { createStore } from '@codedance/server';
import { TcpProxy } from '../packages/server/src/store/test-support/tcp-proxy.js';
import {
  POSTGRES_HOST,
  REDIS_HOST,
  deleteRedisKeys,
  dropPostgresSchema,
  postgresTestUrl,
  redisTestUrl,
} from '../packages/server/src/store/test-support/servers.js';
import { startTestServer, waitFor, type TestServer } from './support/server.js';

/**
 * The API's side of a store outage: while the store is away the server
 * keeps running, /health and store-backed routes answer 503 with
 * CD_STORE_UNAVAILABLE, and when it returns everything recovers on its own
 * with every acknowledged record still there.
 */

interface Case {
  name: string;
  target: { host: string; port: number };
  url: (port: number) => { url: string; cleanup: () => Promise<void> };
}

const cases: Case[] = [
  {
    name: 'PostgreSQL',
    target: POSTGRES_HOST,
    url: (port) => {
      const { url, schema } = postgresTestUrl(port);
      return { url, cleanup: () => dropPostgresSchema(schema) };
    },
  },
  {
    name: 'Redis',
    target: REDIS_HOST,
    url: (port) => {
      const { url, prefix } = redisTestUrl(port);
      return { url, cleanup: () => deleteRedisKeys(prefix) };
    },
  },
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function health(server: TestServer): Promise<number> {
  return (await server.get('/health')).status;
}

describe.each(cases)('API during a $name outage', ({ target, url }) => {
  it('answers 503 while the store is away and recovers with nothing lost', async () => {
    const proxy = new TcpProxy(target);
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const store = url(proxy.port);
    cleanups.push(store.cleanup);
    const server = await startTestServer({ flags: { store: { url: store.url } } });
    cleanups.push(() => server.cleanup());
    expect(await health(server)).toBe(200);

    // Acknowledged writes, made by another client of the same store.
    const writer = createStore(store.url);
    await writer.open();
    for (const id of ['a', 'b', 'c']) await writer.create(TENANT_DEFAULT, 'probe', id, { id });
    await writer.close();
    const before = await server.json<{ kinds: Record<string, number> }>(
      '/api/settings/storage-info',
    );
    expect(before.body.kinds).toEqual({ probe: 3 });

    await proxy.cut();
    await waitFor(
      async () => (await health(server)) === 503,
      15_000,
      '/health to report the outage',
    );
    const down = await server.json<{ ready: boolean; error: { code: string; message: string } }>(
      '/health',
    );
    expect(down.body.ready).toBe(false);
    expect(down.body.error.code).toBe('CD_STORE_UNAVAILABLE');
    const refused = await server.json<{ error: { code: string } }>('/api/settings/storage-info');
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('CD_STORE_UNAVAILABLE');
    expect(refused.headers.get('retry-after')).toBe('2');
    const status = await server.json<{ store: { ok: boolean } }>('/api/status');
    expect(status.status).toBe(200);
    expect(status.body.store.ok).toBe(false);

    await proxy.restore();
    await waitFor(async () => (await health(server)) === 200, 20_000, '/health to recover');
    const after = await server.json<{ kinds: Record<string, number> }>(
      '/api/settings/storage-info',
    );
    expect(after.status).toBe(200);
    expect(after.body.kinds).toEqual({ probe: 3 });
  });
});

describe('a store that is down when the server starts', () => {
  it('starts anyway, answers 503, and opens the store once it appears', async () => {
    const proxy = new TcpProxy(REDIS_HOST);
    await proxy.start();
    const store = url(proxy.port);
    cleanups.push(store.cleanup);
    await proxy.cut();
    const server = await startTestServer({ flags: { store: { url: store.url } } });
    cleanups.push(() => server.cleanup());
    const down = await server.json<{ store: { ok: boolean }; error: { message: string } }>(
      '/health',
    );
    expect(down.status).toBe(503);
    expect(down.body.error.message).toMatch(/redis store cannot be reached/i);
    await proxy.restore();
    cleanups.push(() => proxy.stop());
    await waitFor(async () => (await health(server)) === 200, 20_000, 'the store to open');
    const info = await server.json<{ schemaVersion: number; latestSchemaVersion: number }>(
      '/api/settings/storage-info',
    );
    expect(info.body.schemaVersion).toBe(info.body.latestSchemaVersion);
  });

  function url(port: number) {
    const { url: storeUrl, prefix } = redisTestUrl(port);
    return { url: storeUrl, cleanup: () => deleteRedisKeys(prefix) };
  }
});
