import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '@codedance/core';
import { createStore, type Store } from './index.js';
import {
  POSTGRES_HOST,
  REDIS_HOST,
  deleteRedisKeys,
  dropPostgresSchema,
  eventually,
  postgresTestUrl,
  redisTestUrl,
  withPostgres,
} from './test-support/servers.js';
import { TcpProxy } from './test-support/tcp-proxy.js';

/** A 503 must come well before a request timeout; the connect timeout is 3 s. */
const FAIL_FAST_MS = 4_000;
const RECOVER_WITHIN_MS = 15_000;

const BACKENDS = [
  {
    name: 'postgres',
    target: POSTGRES_HOST,
    make: (port: number) => {
      const { url, schema } = postgresTestUrl(port);
      return { url, cleanup: () => dropPostgresSchema(schema) };
    },
  },
  {
    name: 'redis',
    target: REDIS_HOST,
    make: (port: number) => {
      const { url, prefix } = redisTestUrl(port);
      return { url, cleanup: () => deleteRedisKeys(prefix) };
    },
  },
];

/** Every kind of call a route might make while the store is away. */
const CALLS: [string, (store: Store) => Promise<unknown>][] = [
  ['ping', (s) => s.ping()],
  ['get', (s) => s.get('t', 'task', 'r-0')],
  ['create', (s) => s.create('t', 'task', 'during-outage', {})],
  ['update', (s) => s.update('t', 'task', 'r-1', { lost: true }, 1)],
  ['delete', (s) => s.delete('t', 'task', 'r-2')],
  ['list', (s) => s.list('t', 'task')],
  ['count', (s) => s.count('t', 'task')],
  ['info', (s) => s.info()],
  ['lease acquire', (s) => s.leases.acquire('leader', 'h', 10_000)],
  ['lease read', (s) => s.leases.read('leader')],
  ['lease release', (s) => s.leases.release('leader', 'h')],
  ['fence check', (s) => s.leases.assertFence({ lease: 'leader', token: 1 })],
  [
    'fenced update',
    (s) =>
      s.update('t', 'task', 'r-3', { lost: true }, 2, { fence: { lease: 'leader', token: 1 } }),
  ],
];

describe.each(BACKENDS)('$name store when the server goes away', ({ target, make }) => {
  let proxy: TcpProxy;
  let store: Store;
  let url: string;
  let cleanup: () => Promise<void>;
  const backgroundErrors: Error[] = [];

  beforeEach(async () => {
    proxy = new TcpProxy(target);
    await proxy.start();
    const made = make(proxy.port);
    ({ url, cleanup } = made);
    store = createStore(url, { onError: (error) => backgroundErrors.push(error) });
    await store.open();
  });

  afterEach(async () => {
    await proxy.stop();
    await store.close();
    await cleanup();
  });

  /** Writes that were acknowledged before the outage: ten records, half updated. */
  async function acknowledgeWrites(): Promise<void> {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.create('t', 'task', `r-${i}`, { i })),
    );
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) => store.update('t', 'task', `r-${i}`, { i, updated: true }, 1)),
    );
  }

  async function expectAcknowledgedWrites(): Promise<void> {
    const { items } = await store.list('t', 'task');
    expect(items.map((r) => [r.id, r.version, r.data])).toEqual(
      Array.from({ length: 10 }, (_, i) => [
        `r-${i}`,
        i < 5 ? 2 : 1,
        i < 5 ? { i, updated: true } : { i },
      ]),
    );
  }

  it('fails every call fast with CD_STORE_UNAVAILABLE, then recovers by itself with nothing lost', async () => {
    await acknowledgeWrites();
    await proxy.cut();

    for (const [name, call] of CALLS) {
      const started = performance.now();
      const error: unknown = await call(store).then(
        () => null,
        (e: unknown) => e,
      );
      expect({ name, error }).toEqual({ name, error: expect.any(StoreUnavailableError) });
      expect((error as StoreUnavailableError).code).toBe('CD_STORE_UNAVAILABLE');
      const elapsed = performance.now() - started;
      expect({ name, fast: elapsed < FAIL_FAST_MS }).toEqual({ name, fast: true });
    }

    await proxy.restore();
    await eventually(() => store.ping(), RECOVER_WITHIN_MS);
    await expectAcknowledgedWrites();
    // The writes refused during the outage left nothing behind.
    expect(await store.get('t', 'task', 'during-outage')).toBeNull();
    await store.create('t', 'task', 'after', { ok: true });
    expect(await store.count('t', 'task')).toBe(11);
  });

  it('refuses to open while the server is away, and opens once it is back', async () => {
    await proxy.cut();
    const late = createStore(url);
    try {
      const started = performance.now();
      await expect(late.open()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(performance.now() - started).toBeLessThan(FAIL_FAST_MS);
      await proxy.restore();
      await late.open();
      await late.ping();
    } finally {
      await late.close();
    }
  });

  it('settles calls caught in flight by the cut, and survives repeated outages', async () => {
    await acknowledgeWrites();
    for (let round = 0; round < 3; round++) {
      const inFlight = Array.from({ length: 20 }, (_, i) =>
        store.get('t', 'task', `r-${i % 10}`).then(
          () => 'ok',
          (e: unknown) => e,
        ),
      );
      await proxy.cut();
      for (const outcome of await Promise.all(inFlight)) {
        if (outcome !== 'ok') expect(outcome).toBeInstanceOf(StoreUnavailableError);
      }
      await proxy.restore();
      await eventually(() => store.ping(), RECOVER_WITHIN_MS);
    }
    await expectAcknowledgedWrites();
  });
});

describe('postgres store when the server ends its connections', () => {
  it('replaces connections the server terminated (57P01) by itself', async () => {
    const { url, schema } = postgresTestUrl();
    const application = `cd_outage_${schema}`;
    const store = createStore(`${url}&application_name=${application}`);
    try {
      await store.open();
      await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.create('t', 'task', `r-${i}`, {})),
      );
      const { rowCount } = await withPostgres((admin) =>
        admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
          [application],
        ),
      );
      expect(rowCount).toBeGreaterThan(0);
      // Each call either works on a fresh connection or says 503; none hangs or crashes.
      const outcome: unknown = await store.count('t', 'task').catch((e: unknown) => e);
      if (outcome !== 5) expect(outcome).toBeInstanceOf(StoreUnavailableError);
      expect(await eventually(() => store.count('t', 'task'), RECOVER_WITHIN_MS)).toBe(5);
    } finally {
      await store.close();
      await dropPostgresSchema(schema);
    }
  });
});
