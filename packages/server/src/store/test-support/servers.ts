import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { parsePostgresUrl } from '../postgres-connection.js';

/*
 * The real servers the store tests run against. They are shared, so every
 * run works in its own schema or key prefix and removes it afterwards.
 */

export const POSTGRES_HOST = { host: '127.0.0.1', port: 5432 } as const;
export const REDIS_HOST = { host: '127.0.0.1', port: 6379 } as const;

export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

/** A PostgreSQL URL with a fresh schema, through `port` when a proxy sits in between. */
export function postgresTestUrl(port: number = POSTGRES_HOST.port): {
  url: string;
  schema: string;
} {
  const schema = uniqueName('cd_test_');
  return { url: `postgres://${POSTGRES_HOST.host}:${port}/test?schema=${schema}`, schema };
}

/** A Redis URL with a fresh key prefix, through `port` when a proxy sits in between. */
export function redisTestUrl(port: number = REDIS_HOST.port): { url: string; prefix: string } {
  const prefix = uniqueName('cd-test-') + ':';
  return { url: `redis://${REDIS_HOST.host}:${port}/0?prefix=${prefix}`, prefix };
}

/** Runs `work` on a connection of its own to the test database, outside any store. */
export async function withPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const { connectionString } = parsePostgresUrl(
    `postgres://${POSTGRES_HOST.host}:${POSTGRES_HOST.port}/test`,
  );
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  await withPostgres((client) =>
    client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`),
  );
}

export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis({ ...REDIS_HOST, db: 0, lazyConnect: true });
  await redis.connect();
  try {
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}

/** A fresh temporary folder and the function that removes it. */
export async function tempFolder(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cd-store-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Polls `attempt` until it resolves, failing after `timeoutMs`; for waiting on recovery. */
export async function eventually<T>(
  attempt: () => Promise<T>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
