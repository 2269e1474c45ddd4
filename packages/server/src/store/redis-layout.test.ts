import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_FORMAT_VERSION } from './redis-layout.js';
import { RedisStore } from './redis.js';
import { REDIS_HOST, deleteRedisKeys, redisTestUrl } from './test-support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('redis layout', () => {
  it('opening a layout 1 store builds the id index, so lists by id see old records', async () => {
    const { url, prefix } = redisTestUrl();
    cleanups.push(() => deleteRedisKeys(prefix));
    const store = new RedisStore({ url });
    await store.open();
    for (const id of ['b', 'c:1', 'a', 'b%2']) await store.create('t', 'svc', id, {});
    await store.close();

    // What a layout 1 server left: no id index, and schema 1.
    const redis = new Redis({ ...REDIS_HOST, lazyConnect: true });
    await redis.connect();
    cleanups.push(async () => {
      await redis.quit();
    });
    const idKeys = await redis.keys(`${prefix}ids:*`);
    expect(idKeys).toHaveLength(1);
    await redis.del(...idKeys);
    await redis.set(`${prefix}meta:schema`, 1);

    const reopened = new RedisStore({ url });
    await reopened.open();
    cleanups.push(() => reopened.close());
    const page = await reopened.list('t', 'svc', { by: 'id', withTotal: true });
    expect(page.items.map((r) => r.id)).toEqual(['a', 'b', 'b%2', 'c:1']);
    expect(await reopened.count('t', 'svc', undefined, { idPrefix: 'b' })).toBe(2);
    expect(Number(await redis.get(`${prefix}meta:schema`))).toBe(REDIS_FORMAT_VERSION);
  });
});
