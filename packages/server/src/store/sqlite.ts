import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AlreadyExistsError, ConflictError, StoreUnavailableError } from '@codedance/core';
import { LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE, pendingMigrations } from './migrations.js';
import { SqliteLeases, assertSqliteFence } from './sqlite-leases.js';
import {
  assertKey,
  idRange,
  notOpen,
  planCount,
  planCreate,
  planList,
  planUpdate,
  staleUpdate,
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

export interface SqliteStoreOptions extends StoreOptions {
  /** The database file; its folder is created when missing. */
  path: string;
  /** What `location` reports; defaults to `sqlite:<path>`. */
  location?: string;
}

interface RecordRow {
  tenant: string;
  kind: string;
  id: string;
  version: number;
  created_at: string;
  updated_at: string;
  data: string;
}

const COLUMNS = 'tenant, kind, id, version, created_at, updated_at, data';

/** Another connection held the lock past busy_timeout, or the disk failed: retryable, not a bug. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|PROTOCOL)/;

function toRecord<T>(row: RecordRow): StoredRecord<T> {
  return {
    tenant: row.tenant,
    kind: row.kind,
    id: row.id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    data: JSON.parse(row.data) as T,
  };
}

/**
 * Equality on a top-level field. `json_extract` turns true/false into 1/0,
 * so the JSON type is checked as well; the path is always a bound parameter.
 */
function whereSql(where: WhereEntry[]): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  for (const [field, value] of where) {
    const path = `$.${field}`;
    if (value === null) {
      clauses.push(`coalesce(json_type(data, ?), 'null') = 'null'`);
      params.push(path);
    } else if (typeof value === 'boolean') {
      clauses.push('json_type(data, ?) = ?');
      params.push(path, value ? 'true' : 'false');
    } else if (typeof value === 'string') {
      clauses.push(`(json_type(data, ?) = 'text' AND json_extract(data, ?) = ?)`);
      params.push(path, path, value);
    } else {
      clauses.push(`(json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) = ?)`);
      params.push(path, path, value);
    }
  }
  return { sql: clauses.map((c) => ` AND ${c}`).join(''), params };
}

/** The `where` filters and the id range, as SQL after `tenant = ? AND kind = ?`. */
function matchSql(
  where: WhereEntry[],
  ids: IdRange | null,
): { sql: string; params: (string | number)[] } {
  const filter = whereSql(where);
  if (ids === null) return filter;
  // The range lets the primary key find the ids; substr covers a prefix with no upper bound.
  const range =
    ids.to === null
      ? {
          sql: ' AND id >= ? AND substr(id, 1, ?) = ?',
          params: [ids.from, ids.length, ids.prefix],
        }
      : { sql: ' AND id >= ? AND id < ?', params: [ids.from, ids.to] };
  return { sql: range.sql + filter.sql, params: [...range.params, ...filter.params] };
}

function countRows(
  db: Database.Database,
  tenant: string,
  kind: string,
  filter: { sql: string; params: (string | number)[] },
): number {
  const row = db
    .prepare<unknown[], { n: number }>(
      `SELECT count(*) AS n FROM records WHERE tenant = ? AND kind = ?${filter.sql}`,
    )
    .get(tenant, kind, ...filter.params);
  return row?.n ?? 0;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The SQLite backend: one file, WAL journal, one connection per process. */
export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly location: string;
  readonly #path: string;
  readonly #clock: Clock;
  readonly leases: Leases;
  #db: Database.Database | null = null;

  constructor(options: SqliteStoreOptions) {
    this.#path = options.path;
    this.location = options.location ?? `sqlite:${options.path}`;
    this.#clock = options.clock ?? systemClock;
    this.leases = new SqliteLeases((work) => this.#run(work), this.#clock);
  }

  open(): Promise<void> {
    if (this.#db) return Promise.resolve();
    return settle(() => {
      if (this.#path !== ':memory:') createPrivately(this.#path);
      const db = new Database(this.#path);
      try {
        db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
        // With WAL, NORMAL loses at most the last commits on power loss, never consistency.
        db.pragma('synchronous = NORMAL');
        this.#migrate(db);
      } catch (error) {
        db.close();
        throw error;
      }
      this.#db = db;
    });
  }

  close(): Promise<void> {
    this.#db?.close();
    this.#db = null;
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return this.#run((db) => {
      db.prepare('SELECT 1').get();
    });
  }

  get<T>(tenant: string, kind: string, id: string): Promise<StoredRecord<T> | null> {
    return this.#run((db) => {
      assertKey(tenant, kind, id);
      const row = db
        .prepare<[string, string, string], RecordRow>(
          `SELECT ${COLUMNS} FROM records WHERE tenant = ? AND kind = ? AND id = ?`,
        )
        .get(tenant, kind, id);
      return row ? toRecord<T>(row) : null;
    });
  }

  create<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    return this.#write(options?.fence, (db) => {
      const { text, createdAt, updatedAt } = planCreate(this.#clock, { tenant, kind, id }, data);
      const result = db
        .prepare(
          `INSERT INTO records (${COLUMNS}) VALUES (?, ?, ?, 1, ?, ?, ?)
           ON CONFLICT (tenant, kind, id) DO NOTHING`,
        )
        .run(tenant, kind, id, createdAt, updatedAt, text);
      if (result.changes === 0) throw new AlreadyExistsError(kind, id);
      return { tenant, kind, id, version: 1, createdAt, updatedAt, data: JSON.parse(text) as T };
    });
  }

  update<T>(
    tenant: string,
    kind: string,
    id: string,
    data: T,
    expectedVersion: number,
    options?: WriteOptions,
  ): Promise<StoredRecord<T>> {
    return this.#write(options?.fence, (db) => {
      const { text, updatedAt } = planUpdate(this.#clock, { tenant, kind, id }, data);
      const row = db
        .prepare<unknown[], RecordRow>(
          `UPDATE records SET version = version + 1, updated_at = ?, data = ?
           WHERE tenant = ? AND kind = ? AND id = ? AND version = ? RETURNING ${COLUMNS}`,
        )
        .get(updatedAt, text, tenant, kind, id, expectedVersion);
      if (!row) throw staleUpdate(kind, id, expectedVersion, this.#version(db, tenant, kind, id));
      return toRecord<T>(row);
    });
  }

  delete(
    tenant: string,
    kind: string,
    id: string,
    expectedVersion?: number,
    options?: WriteOptions,
  ): Promise<boolean> {
    return this.#write(options?.fence, (db) => {
      assertKey(tenant, kind, id);
      const expected = expectedVersion ?? null;
      const result = db
        .prepare(
          'DELETE FROM records WHERE tenant = ? AND kind = ? AND id = ? AND (? IS NULL OR version = ?)',
        )
        .run(tenant, kind, id, expected, expected);
      if (result.changes > 0) return true;
      const actual = expected === null ? null : this.#version(db, tenant, kind, id);
      if (actual !== null && expected !== null) throw new ConflictError(kind, id, expected, actual);
      return false;
    });
  }

  list<T>(tenant: string, kind: string, options: ListOptions = {}): Promise<Page<T>> {
    return this.#run((db) => {
      const plan = planList(tenant, kind, options);
      const { limit, cursor, by, order } = plan;
      const filter = matchSql(plan.where, plan.ids);
      const desc = order === 'desc';
      const direction = desc ? 'DESC' : 'ASC';
      const after = cursor
        ? cursor.createdAt === null
          ? { sql: ` AND id ${desc ? '<' : '>'} ?`, params: [cursor.id] }
          : {
              sql: ` AND (created_at, id) ${desc ? '<' : '>'} (?, ?)`,
              params: [cursor.createdAt, cursor.id],
            }
        : { sql: '', params: [] };
      const orderBy = by === 'id' ? `id ${direction}` : `created_at ${direction}, id ${direction}`;
      const rows = db
        .prepare<unknown[], RecordRow>(
          `SELECT ${COLUMNS} FROM records WHERE tenant = ? AND kind = ?${after.sql}${filter.sql}
           ORDER BY ${orderBy} LIMIT ?`,
        )
        .all(tenant, kind, ...after.params, ...filter.params, limit + 1);
      const total = plan.withTotal ? countRows(db, tenant, kind, filter) : undefined;
      return toPage(
        rows.map((row) => toRecord<T>(row)),
        limit,
        by,
        total,
      );
    });
  }

  count(tenant: string, kind: string, where?: Where, options: CountOptions = {}): Promise<number> {
    return this.#run((db) => {
      const entries = planCount(tenant, kind, where);
      return countRows(db, tenant, kind, matchSql(entries, idRange(options.idPrefix)));
    });
  }

  info(): Promise<StoreInfo> {
    return this.#run((db) => {
      const kinds: Record<string, number> = {};
      const rows = db
        .prepare<[], { kind: string; n: number }>(
          'SELECT kind, count(*) AS n FROM records GROUP BY kind',
        )
        .all();
      for (const row of rows) kinds[row.kind] = row.n;
      const memory = this.#path === ':memory:';
      return {
        backend: this.backend,
        location: this.location,
        schemaVersion: appliedVersion(db),
        latestSchemaVersion: LATEST_SCHEMA_VERSION,
        sizeBytes: memory ? null : fileSize(this.#path) + fileSize(`${this.#path}-wal`),
        kinds,
      };
    });
  }

  #migrate(db: Database.Database): void {
    // IMMEDIATE takes the write lock first, so two processes opening the same
    // file cannot both decide to apply the same migration.
    db.transaction(() => {
      db.exec(MIGRATIONS_TABLE.sqlite);
      const record = db.prepare(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      );
      for (const migration of pendingMigrations('sqlite', this.location, appliedVersion(db))) {
        db.exec(migration.sql.sqlite);
        record.run(migration.version, migration.name, this.#clock().toISOString());
      }
    }).immediate();
  }

  #version(db: Database.Database, tenant: string, kind: string, id: string): number | null {
    const row = db
      .prepare<[string, string, string], { version: number }>(
        'SELECT version FROM records WHERE tenant = ? AND kind = ? AND id = ?',
      )
      .get(tenant, kind, id);
    return row?.version ?? null;
  }

  /**
   * Runs a write; with a fence, inside one IMMEDIATE transaction that checks
   * the lease first, so no process can take the lease over in between.
   */
  #write<R>(fence: Fence | undefined, work: (db: Database.Database) => R): Promise<R> {
    if (fence === undefined) return this.#run(work);
    return this.#run((db) =>
      db
        .transaction(() => {
          assertSqliteFence(db, fence, this.#clock().getTime());
          return work(db);
        })
        .immediate(),
    );
  }

  #run<R>(work: (db: Database.Database) => R): Promise<R> {
    const db = this.#db;
    if (!db) return Promise.reject(notOpen(this.backend));
    return settle(() => work(db));
  }
}

function appliedVersion(db: Database.Database): number {
  const row = db
    .prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations')
    .get();
  return row?.v ?? 0;
}

/** Runs synchronous work as a promise, mapping lock and disk failures to 503. */
function settle<R>(work: () => R): Promise<R> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) {
      return Promise.reject(new StoreUnavailableError('sqlite', error));
    }
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/**
 * Creates the database file 0600 (in a 0700 folder) before SQLite opens it:
 * SQLite gives its WAL, shared-memory and journal files the main file's
 * mode, so they are private too. Files left looser by an older version are
 * tightened.
 */
function createPrivately(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
}
