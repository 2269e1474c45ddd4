import type { QueryResult, QueryResultRow } from 'pg';
import { LeaseLostError } from '@codedance/core';
import { checkAcquire, checkFence } from './lease-rules.js';
import { assertName } from './rules.js';
import type { Fence, Lease, LeaseGrant, Leases } from './types.js';

/** Runs one statement on the store's pool, with its errors mapped. */
export type PostgresQuery = <R extends QueryResultRow = QueryResultRow>(
  text: string,
  values?: unknown[],
) => Promise<QueryResult<R>>;

interface LeaseRow {
  holder: string | null;
  token: string;
  expires_at: Date | null;
  live: boolean;
}

/** The lease is held, unexpired by the database's clock, with exactly this token. */
const FENCE_HOLDS = (name: string, token: string) =>
  `name = ${name} AND token = ${token} AND holder IS NOT NULL AND expires_at > now()`;

/**
 * The parts of a fenced write: a CTE that reads the lease row FOR SHARE, and
 * the condition the write adds. The share lock makes a concurrent takeover
 * (an UPDATE of that row) wait until the write has committed, so a write
 * that saw the fence hold can never land after the lease changed hands.
 * `first` is the number of the first of the two parameters it uses.
 */
export function fenceSql(
  fence: Fence | undefined,
  first: number,
): { with: string; and: string; values: unknown[] } {
  if (fence === undefined) return { with: '', and: '', values: [] };
  checkFence(fence);
  return {
    with: `WITH fence AS (SELECT 1 FROM leases WHERE ${FENCE_HOLDS(`$${first}`, `$${first + 1}::bigint`)} FOR SHARE) `,
    and: ' AND EXISTS (SELECT 1 FROM fence)',
    values: [fence.lease, fence.token],
  };
}

function toLease(name: string, row: LeaseRow | undefined): Lease {
  if (!row) return { name, holder: null, token: 0, expiresAt: null };
  return {
    name,
    holder: row.live ? row.holder : null,
    token: Number(row.token),
    expiresAt: row.live && row.expires_at ? row.expires_at.toISOString() : null,
  };
}

const READ = `SELECT holder, token::text AS token, expires_at,
  coalesce(holder IS NOT NULL AND expires_at > now(), false) AS live
  FROM leases WHERE name = $1`;

/**
 * Leases in the `leases` table, each call one statement judged by the
 * database's clock (`now()`). An acquire is one INSERT … ON CONFLICT DO
 * UPDATE: racing acquirers queue on the row lock, and each sees the row the
 * one before it left.
 */
export class PostgresLeases implements Leases {
  constructor(private readonly query: PostgresQuery) {}

  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    checkAcquire(name, holder, ttlMs);
    const { rows } = await this.query<LeaseRow>(
      `INSERT INTO leases AS l (name, holder, token, expires_at)
       VALUES ($1, $2, 1, now() + $3::double precision * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET
         token = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                      THEN l.token ELSE l.token + 1 END,
         holder = excluded.holder,
         expires_at = excluded.expires_at
       WHERE l.holder IS NULL OR l.expires_at <= now() OR l.holder = excluded.holder
       RETURNING holder, token::text AS token, expires_at, true AS live`,
      [name, holder, ttlMs],
    );
    if (rows[0]) return { ...toLease(name, rows[0]), acquired: true };
    return { ...(await this.read(name)), acquired: false };
  }

  async release(name: string, holder: string): Promise<boolean> {
    assertName('lease', name);
    assertName('holder', holder);
    const { rowCount } = await this.query(
      'UPDATE leases SET holder = NULL, expires_at = NULL WHERE name = $1 AND holder = $2',
      [name, holder],
    );
    return (rowCount ?? 0) > 0;
  }

  async read(name: string): Promise<Lease> {
    assertName('lease', name);
    const { rows } = await this.query<LeaseRow>(READ, [name]);
    return toLease(name, rows[0]);
  }

  async assertFence(fence: Fence): Promise<void> {
    checkFence(fence);
    const { rows } = await this.query(
      `SELECT 1 FROM leases WHERE ${FENCE_HOLDS('$1', '$2::bigint')}`,
      [fence.lease, fence.token],
    );
    if (rows.length === 0) throw new LeaseLostError(fence.lease, fence.token);
  }
}
