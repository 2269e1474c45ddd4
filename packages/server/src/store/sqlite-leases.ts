import type Database from 'better-sqlite3';
import { LeaseLostError } from '@codedance/core';
import {
  checkAcquire,
  checkFence,
  decideAcquire,
  fenceHolds,
  toGrant,
  toLease,
  type LeaseRow,
} from './lease-rules.js';
import { assertName, type Clock } from './rules.js';
import type { Fence, Lease, LeaseGrant, Leases } from './types.js';

interface Row {
  holder: string | null;
  token: number;
  expires_at: number | null;
}

function readRow(db: Database.Database, name: string): LeaseRow | null {
  const row = db
    .prepare<[string], Row>('SELECT holder, token, expires_at FROM leases WHERE name = ?')
    .get(name);
  return row ? { holder: row.holder, token: row.token, expiresAtMs: row.expires_at } : null;
}

/**
 * Throws `LeaseLostError` unless the fence holds. Called inside the write's
 * own IMMEDIATE transaction, so no other process can take the lease over
 * between the check and the write.
 */
export function assertSqliteFence(db: Database.Database, fence: Fence, nowMs: number): void {
  checkFence(fence);
  if (!fenceHolds(readRow(db, fence.lease), fence.token, nowMs)) {
    throw new LeaseLostError(fence.lease, fence.token);
  }
}

/** Runs work on the open database, as the store's own calls do. */
export type SqliteRunner = <R>(work: (db: Database.Database) => R) => Promise<R>;

/**
 * Leases in the `leases` table. Each call is one IMMEDIATE transaction: it
 * takes the file's write lock before reading, so processes sharing the file
 * decide one after another. Expiry is judged by the store's clock.
 */
export class SqliteLeases implements Leases {
  constructor(
    private readonly run: SqliteRunner,
    private readonly clock: Clock,
  ) {}

  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    return this.run((db) => {
      checkAcquire(name, holder, ttlMs);
      return db
        .transaction(() => {
          const now = this.clock().getTime();
          const decision = decideAcquire(readRow(db, name), holder, now, ttlMs);
          if (decision.acquired) {
            db.prepare(
              `INSERT INTO leases (name, holder, token, expires_at) VALUES (?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET
                 holder = excluded.holder, token = excluded.token, expires_at = excluded.expires_at`,
            ).run(name, holder, decision.row.token, decision.row.expiresAtMs);
          }
          return toGrant(name, decision, now);
        })
        .immediate();
    });
  }

  release(name: string, holder: string): Promise<boolean> {
    return this.run((db) => {
      assertName('lease', name);
      assertName('holder', holder);
      const result = db
        .prepare('UPDATE leases SET holder = NULL, expires_at = NULL WHERE name = ? AND holder = ?')
        .run(name, holder);
      return result.changes > 0;
    });
  }

  read(name: string): Promise<Lease> {
    return this.run((db) => {
      assertName('lease', name);
      return toLease(name, readRow(db, name), this.clock().getTime());
    });
  }

  assertFence(fence: Fence): Promise<void> {
    return this.run((db) => {
      assertSqliteFence(db, fence, this.clock().getTime());
    });
  }
}
