import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CodedanceError } from '@codedance/core';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, pendingMigrations } from './migrations.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import {
  dropPostgresSchema,
  postgresTestUrl,
  tempFolder,
  withPostgres,
} from './test-support/servers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openError(store: { open(): Promise<void> }): Promise<CodedanceError> {
  const error: unknown = await store.open().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CodedanceError);
  return error as CodedanceError;
}

describe('migrations', () => {
  it('are numbered 1, 2, 3… with SQL for both dialects', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(pendingMigrations('sqlite', 'x', 0)).toHaveLength(MIGRATIONS.length);
    expect(pendingMigrations('sqlite', 'x', LATEST_SCHEMA_VERSION)).toEqual([]);
  });

  it('SQLite: applies each once, and refuses a database newer than the code', async () => {
    const folder = await tempFolder();
    cleanups.push(folder.remove);
    const path = join(folder.dir, 'codedance.db');
    const store = new SqliteStore({ path });
    await store.open();
    await store.close();
    await store.open();
    expect((await store.info()).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    await store.close();

    const db = new Database(path);
    expect(db.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({
      n: MIGRATIONS.length,
    });
    db.prepare(
      "INSERT INTO schema_migrations VALUES (99, 'from the future', '2040-01-01T00:00:00.000Z')",
    ).run();
    db.close();

    const error = await openError(new SqliteStore({ path }));
    expect(error.code).toBe('CD_INVALID_CONFIG');
    expect(error.message).toMatch(
      new RegExp(`schema version 99.*up to ${LATEST_SCHEMA_VERSION}\\b`),
    );
  });

  it('PostgreSQL: replicas opening a fresh schema at once apply each migration exactly once', async () => {
    const { url, schema } = postgresTestUrl();
    cleanups.push(() => dropPostgresSchema(schema));
    const replicas = Array.from({ length: 4 }, () => new PostgresStore({ url }));
    cleanups.push(() => Promise.all(replicas.map((r) => r.close())).then(() => undefined));
    await Promise.all(replicas.map((r) => r.open()));
    const rows = await withPostgres((client) =>
      client.query<{ version: number }>(
        `SELECT version FROM ${pg.escapeIdentifier(schema)}.schema_migrations`,
      ),
    );
    expect(rows.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    for (const replica of replicas)
      expect((await replica.info()).schemaVersion).toBe(LATEST_SCHEMA_VERSION);
  });

  it('PostgreSQL: refuses a schema newer than the code, with a clear message', async () => {
    const { url, schema } = postgresTestUrl();
    cleanups.push(() => dropPostgresSchema(schema));
    const store = new PostgresStore({ url });
    await store.open();
    await store.close();
    await withPostgres((client) =>
      client.query(
        `INSERT INTO ${pg.escapeIdentifier(schema)}.schema_migrations VALUES (7, 'from the future', now())`,
      ),
    );
    const error = await openError(new PostgresStore({ url }));
    expect(error.code).toBe('CD_INVALID_CONFIG');
    expect(error.message).toMatch(
      new RegExp(`schema version 7.*up to ${LATEST_SCHEMA_VERSION}\\b`),
    );
    expect(error.message).toContain(schema);
  });
});
