import { createHash } from 'node:crypto';
import { Pool, escapeIdentifier, type ClientBase, type PoolClient, type QueryResultRow } from 'pg';
import { AlreadyExistsError, ConflictError } from '@codedance/core';
import { LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE, pendingMigrations } from './migrations.js';
import { parsePostgresUrl, toPostgresError } from './postgres-connection.js';
import { PostgresLeases, fenceSql } from './postgres-leases.js';
import {
  assertKey,
  idRange,
  notOpen,
  planCount,
  planCreate,
  planList,
  planUpdate,
  sharedAttempt,
  staleUpdate,
  storeLocation,
  systemClock,
  toPage,
  type Clock,
  type IdRange,
  type StoreOptions,
  type WhereEntry,
} from './rules.js';
import type {
  CountOptions,
  Fence,
  Leases,
  ListOptions,
  Page,
  Store,
  StoredRecord,
  StoreInfo,
  Where,
  WriteOptions,
} from './types.js';

export interface PostgresStoreOptions extends StoreOptions {
  /** A `postgres://` URL; may carry `?schema=<name>` to keep all tables in that schema. */
  url: string;
  /** At most this many connections; default 10. */
  maxConnections?: number;
  /** How long to wait for a new connection before answering 503; default 3000 ms. */
  connectTimeoutMs?: number;
}

interface RecordRow {
  tenant: string;
  kind: string;
  id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  data: unknown;
}

const COLUMNS = 'tenant, kind, id, version, created_at, updated_at, data';

function toRecord<T>(row: RecordRow): StoredRecord<T> {
  return {
    tenant: row.tenant,
    kind: row.kind,
    id: row.id,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    data: row.data as T,
  };
}

/** Collects positional parameters while a statement is assembled. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Equality on a top-level field as jsonb, so `true` never equals `1`; absent counts as null. */
function whereSql(where: WhereEntry[], params: Params): string {
  return where
    .map(
      ([field, value]) =>
        ` AND coalesce(data -> ${params.add(field)}::text, 'null'::jsonb) = ${params.add(JSON.stringify(value))}::jsonb`,
    )
    .join('');
}

/** The `where` filters and the id range; the range lets the primary key find the ids. */
function matchSql(where: WhereEntry[], ids: IdRange | null, params: Params): string {
  let sql = '';
  if (ids !== null) {
    sql += ` AND id >= ${params.add(ids.from)}`;
    sql +=
      ids.to === null
        ? ` AND left(id, ${params.add(ids.length)}) = ${params.add(ids.prefix)}`
        : ` AND id < ${params.add(ids.to)}`;
  }
  return sql + whereSql(where, params);
}

/** The PostgreSQL backend: one pool, jsonb data, optionally inside its own schema. */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly location: string;
  readonly #connectionString: string;
  readonly #schema: string | null;
  readonly #clock: Clock;
  readonly #options: PostgresStoreOptions;
  readonly leases: Leases;
  #pool: Pool | null = null;

  constructor(options: PostgresStoreOptions) {
    const { connectionString, schema } = parsePostgresUrl(options.url);
    this.#connectionString = connectionString;
    this.#schema = schema;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.location = storeLocation(options.url);
    this.leases = new PostgresLeases((text, values) => this.#query(text, values));
  }

  readonly open = sharedAttempt(() => this.#open());

  async #open(): Promise<void> {
    if (this.#pool) return;
    const pool = this.#createPool();
    try {
      await this.#migrate(pool);
    } catch (error) {
      await pool.end();
      throw toPostgresError(error);
    }
    this.#pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.end();
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null> {
    assertKey(tenant, kind, id);
    const { rows } = await this.#query<RecordRow>(
      `SELECT ${COLUMNS} FROM records WHERE tenant = $1 AND kind = $2 AND id = $3`,
      [tenant, kind, id],
    );
    return rows[0] ? toRecord<T>(rows[0]) : null;
  }

  async create<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    const { text, createdAt, updatedAt } = planCreate(this.#clock, { tenant, kind, id }, data);
    const fence = fenceSql(options?.fence, 7);
    // With a fence, a SELECT that yields the row only while the fence holds.
    const source = fence.with
      ? `SELECT $1::text, $2::text, $3::text, 1, $4::timestamptz, $5::timestamptz, $6::jsonb WHERE true${fence.and}`
      : 'VALUES ($1, $2, $3, 1, $4, $5, $6::jsonb)';
    const { rows } = await this.#query<RecordRow>(
      `${fence.with}INSERT INTO records (${COLUMNS}) ${source}
       ON CONFLICT (tenant, kind, id) DO NOTHING RETURNING ${COLUMNS}`,
      [tenant, kind, id, createdAt, updatedAt, text, ...fence.values],
    );
    if (rows[0]) return toRecord<T>(rows[0]);
    await this.#fenceLost(options?.fence);
    throw new AlreadyExistsError(kind, id);
  }

  async update<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    expectedVersion: number,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    const { text, updatedAt } = planUpdate(this.#clock, { tenant, kind, id }, data);
    const fence = fenceSql(options?.fence, 7);
    const { rows } = await this.#query<RecordRow>(
      `${fence.with}UPDATE records SET version = version + 1, updated_at = $1, data = $2::jsonb
       WHERE tenant = $3 AND kind = $4 AND id = $5 AND version = $6${fence.and} RETURNING ${COLUMNS}`,
      [updatedAt, text, tenant, kind, id, expectedVersion, ...fence.values],
    );
    if (rows[0]) return toRecord<T>(rows[0]);
    await this.#fenceLost(options?.fence);
    throw staleUpdate(kind, id, expectedVersion, await this.#version(tenant, kind, id));
  }

  async delete(
    tenant: string,
    kind: string,
    id: string,
    expectedVersion?: number,
    options?: WriteOptions,
  ): Promise<boolean> {
    assertKey(tenant, kind, id);
    const expected = expectedVersion ?? null;
    const fence = fenceSql(options?.fence, 5);
    const { rowCount } = await this.#query(
      `${fence.with}DELETE FROM records WHERE tenant = $1 AND kind = $2 AND id = $3
       AND ($4::integer IS NULL OR version = $4)${fence.and}`,
      [tenant, kind, id, expected, ...fence.values],
    );
    if (rowCount) return true;
    await this.#fenceLost(options?.fence);
    const actual = expected === null ? null : await this.#version(tenant, kind, id);
    if (actual !== null && expected !== null) throw new ConflictError(kind, id, expected, actual);
    return false;
  }

  async list<T>(tenant: string, kind: string, options: ListOptions = {}): Promise<Page<T>> {
    const plan = planList(tenant, kind, options);
    const { limit, cursor, by, order } = plan;
    const desc = order === 'desc';
    const params = new Params();
    let sql = `SELECT ${COLUMNS} FROM records WHERE tenant = ${params.add(tenant)} AND kind = ${params.add(kind)}`;
    if (cursor?.createdAt === null) {
      sql += ` AND id ${desc ? '<' : '>'} ${params.add(cursor.id)}`;
    } else if (cursor) {
      sql += ` AND (created_at, id) ${desc ? '<' : '>'} (${params.add(cursor.createdAt)}::timestamptz, ${params.add(cursor.id)})`;
    }
    sql += matchSql(plan.where, plan.ids, params);
    const direction = desc ? 'DESC' : 'ASC';
    const orderBy = by === 'id' ? `id ${direction}` : `created_at ${direction}, id ${direction}`;
    sql += ` ORDER BY ${orderBy} LIMIT ${params.add(limit + 1)}`;
    const [{ rows }, total] = await Promise.all([
      this.#query<RecordRow>(sql, params.values),
      plan.withTotal ? this.#count(tenant, kind, plan.where, plan.ids) : undefined,
    ]);
    return toPage(
      rows.map((row) => toRecord<T>(row)),
      limit,
      by,
      total,
    );
  }

  async count(
    tenant: string,
    kind: string,
    where?: Where,
    options: CountOptions = {},
  ): Promise<number> {
    const entries = planCount(tenant, kind, where);
    return await this.#count(tenant, kind, entries, idRange(options.idPrefix));
  }

  async #count(
    tenant: string,
    kind: string,
    where: WhereEntry[],
    ids: IdRange | null,
  ): Promise<number> {
    const params = new Params();
    const sql = `SELECT count(*)::integer AS n FROM records
      WHERE tenant = ${params.add(tenant)} AND kind = ${params.add(kind)}${matchSql(where, ids, params)}`;
    const { rows } = await this.#query<{ n: number }>(sql, params.values);
    return rows[0]?.n ?? 0;
  }

  async info(): Promise<StoreInfo> {
    const [version, size, counts] = await Promise.all([
      this.#query<{ v: number }>(
        'SELECT coalesce(max(version), 0)::integer AS v FROM schema_migrations',
      ),
      this.#query<{ bytes: string | null }>(
        `SELECT pg_total_relation_size(to_regclass('records'))::text AS bytes`,
      ),
      this.#query<{ kind: string; n: number }>(
        'SELECT kind, count(*)::integer AS n FROM records GROUP BY kind',
      ),
    ]);
    const bytes = size.rows[0]?.bytes;
    return {
      backend: this.backend,
      location: this.location,
      schemaVersion: version.rows[0]?.v ?? 0,
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      sizeBytes: bytes === null || bytes === undefined ? null : Number(bytes),
      kinds: Object.fromEntries(counts.rows.map((row) => [row.kind, row.n])),
    };
  }

  #createPool(): Pool {
    const schema = this.#schema;
    const setSearchPath = async (client: ClientBase): Promise<void> => {
      await client.query(`SET search_path TO ${escapeIdentifier(String(schema))}`);
    };
    const pool = new Pool({
      connectionString: this.#connectionString,
      max: this.#options.maxConnections ?? 10,
      connectionTimeoutMillis: this.#options.connectTimeoutMs ?? 3000,
      idleTimeoutMillis: 30_000,
      // The pool hands a new connection out only once this settles, and drops
      // it when it fails, so no query can ever run outside the schema.
      // @types/pg types the hook as returning void, but pg-pool awaits it.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      ...(schema === null ? {} : { onConnect: setSearchPath }),
    });
    // An idle connection that breaks (server restart, network cut) is
    // discarded by the pool and replaced on the next query; without a
    // listener the error event would crash the process.
    const onError = this.#options.onError;
    pool.on('error', (error) => onError?.(error));
    return pool;
  }

  async #migrate(pool: Pool): Promise<void> {
    const client: PoolClient = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      // Replicas starting together queue here; the second finds nothing left to do.
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(this.#schema)]);
      if (this.#schema !== null)
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(this.#schema)}`);
      await client.query(MIGRATIONS_TABLE.postgres);
      const { rows } = await client.query<{ v: number }>(
        'SELECT coalesce(max(version), 0)::integer AS v FROM schema_migrations',
      );
      for (const migration of pendingMigrations('postgres', this.location, rows[0]?.v ?? 0)) {
        await client.query(migration.sql.postgres);
        await client.query(
          'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
          [migration.version, migration.name, this.#clock().toISOString()],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /**
   * After a fenced write changed nothing: throws `LeaseLostError` if the
   * fence no longer holds. A token holds from its grant until it lapses and
   * never again, so a fence that holds now held at the write, and the write
   * failed for its own reason; one that does not means the writer has lost
   * the lease, whatever else was wrong.
   */
  async #fenceLost(fence: Fence | undefined): Promise<void> {
    if (fence !== undefined) await this.leases.assertFence(fence);
  }

  async #version(tenant: string, kind: string, id: string): Promise<number | null> {
    const { rows } = await this.#query<{ version: number }>(
      'SELECT version FROM records WHERE tenant = $1 AND kind = $2 AND id = $3',
      [tenant, kind, id],
    );
    return rows[0]?.version ?? null;
  }

  async #query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) {
    const pool = this.#pool;
    if (!pool) throw notOpen(this.backend);
    try {
      return await pool.query<R>(text, values);
    } catch (error) {
      throw toPostgresError(error);
    }
  }
}

/** One advisory lock per schema, so test runs in separate schemas never wait on each other. */
function lockKey(schema: string | null): string {
  return createHash('sha256')
    .update(`codedance:migrate:${schema ?? 'public'}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}
