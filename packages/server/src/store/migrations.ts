import { assertKnownSchema } from './rules.js';
import type { StoreBackend } from './types.js';

/** The SQL backends; each migration carries its statements for both. */
export type SqlDialect = Extract<StoreBackend, 'sqlite' | 'postgres'>;

/** One schema change. Versions grow by one and a published migration never changes. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: Readonly<Record<SqlDialect, string>>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records',
    sql: {
      // `data` is TEXT, not JSON: a column declared JSON gets NUMERIC affinity,
      // and SQLite would turn a stored `12345678901234567890` into a lossy REAL.
      sqlite: `
        CREATE TABLE records (
          tenant TEXT NOT NULL,
          kind TEXT NOT NULL,
          id TEXT NOT NULL,
          version INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          data TEXT NOT NULL CHECK (json_valid(data)),
          PRIMARY KEY (tenant, kind, id)
        );
        CREATE INDEX records_by_creation ON records (tenant, kind, created_at, id);`,
      // COLLATE "C" sorts ids by byte, as the other backends do, whatever the
      // database's locale; cursor paging depends on one agreed order.
      postgres: `
        CREATE TABLE records (
          tenant text COLLATE "C" NOT NULL,
          kind text COLLATE "C" NOT NULL,
          id text COLLATE "C" NOT NULL,
          version integer NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL,
          data jsonb NOT NULL,
          PRIMARY KEY (tenant, kind, id)
        );
        CREATE INDEX records_by_creation ON records (tenant, kind, created_at, id);`,
    },
  },
  {
    version: 2,
    name: 'leases',
    sql: {
      // A row is never deleted: its token must keep growing across releases
      // and restarts. SQLite judges expiry by the process clock, in ms.
      sqlite: `
        CREATE TABLE leases (
          name TEXT PRIMARY KEY,
          holder TEXT,
          token INTEGER NOT NULL,
          expires_at INTEGER
        );`,
      postgres: `
        CREATE TABLE leases (
          name text COLLATE "C" PRIMARY KEY,
          holder text,
          token bigint NOT NULL,
          expires_at timestamptz
        );`,
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Creates the bookkeeping table; safe to run on every start. */
export const MIGRATIONS_TABLE: Readonly<Record<SqlDialect, string>> = {
  sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`,
  postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL
  )`,
};

/**
 * The migrations still to apply to a database at version `applied`, in
 * order. Throws when the database is newer than this build.
 */
export function pendingMigrations(
  dialect: SqlDialect,
  location: string,
  applied: number,
): Migration[] {
  assertKnownSchema(dialect, location, applied, LATEST_SCHEMA_VERSION);
  return MIGRATIONS.filter((m) => m.version > applied).sort((a, b) => a.version - b.version);
}
