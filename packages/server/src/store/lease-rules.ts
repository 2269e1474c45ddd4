import { assertName, badRequest } from './rules.js';
import type { Fence, Lease, LeaseGrant } from './types.js';

/*
 * The lease rules every backend shares. SQLite and the JSON file decide in
 * process with these functions; PostgreSQL and Redis state the same rules
 * in SQL and Lua, judged by their own clocks.
 */

/** A lease longer than a day is a mistake: a dead holder would block everyone for that long. */
export const MAX_LEASE_TTL_MS = 24 * 60 * 60 * 1000;

/** A lease as stored by the backends that decide in process. */
export interface LeaseRow {
  /** Null once released. */
  holder: string | null;
  token: number;
  /** Milliseconds since the epoch; null once released. */
  expiresAtMs: number | null;
}

/** Checks the arguments of `acquire`. */
export function checkAcquire(name: string, holder: string, ttlMs: number): void {
  assertName('lease', name);
  assertName('holder', holder);
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_LEASE_TTL_MS) {
    throw badRequest(
      `ttlMs must be a whole number of milliseconds from 1 to ${MAX_LEASE_TTL_MS}.`,
      {
        field: 'ttlMs',
      },
    );
  }
}

/** Checks a fence before any backend sees it. */
export function checkFence(fence: Fence): void {
  assertName('fence.lease', fence.lease);
  if (!Number.isSafeInteger(fence.token) || fence.token < 1) {
    throw badRequest('fence.token must be a token a lease was granted with.', {
      field: 'fence.token',
    });
  }
}

/** The holder of a stored lease at `nowMs`, or null when it is free. */
export function liveHolder(row: LeaseRow | null | undefined, nowMs: number): string | null {
  if (!row || row.holder === null || row.expiresAtMs === null) return null;
  return row.expiresAtMs > nowMs ? row.holder : null;
}

/**
 * What `acquire` does to a stored lease: renew it for its live holder
 * (same token), grant it with the next token when it is free or expired,
 * or leave it to its live holder. An expired lease taken back by its own
 * former holder is a new grant too, so a token never becomes good again
 * once it has lapsed.
 */
export function decideAcquire(
  row: LeaseRow | null | undefined,
  holder: string,
  nowMs: number,
  ttlMs: number,
): { acquired: boolean; row: LeaseRow } {
  const current = liveHolder(row, nowMs);
  if (current !== null && current !== holder && row) return { acquired: false, row };
  const token = current === holder && row ? row.token : (row?.token ?? 0) + 1;
  return { acquired: true, row: { holder, token, expiresAtMs: nowMs + ttlMs } };
}

/** True while the lease is held, unexpired, with exactly `token`. */
export function fenceHolds(
  row: LeaseRow | null | undefined,
  token: number,
  nowMs: number,
): boolean {
  return liveHolder(row, nowMs) !== null && row?.token === token;
}

/** The lease as callers see it: free once expired, whatever the row still says. */
export function toLease(name: string, row: LeaseRow | null | undefined, nowMs: number): Lease {
  const holder = liveHolder(row, nowMs);
  return {
    name,
    holder,
    token: row?.token ?? 0,
    expiresAt: holder === null || row?.expiresAtMs == null ? null : iso(row.expiresAtMs),
  };
}

/** The grant `acquire` answers with, from its decision. */
export function toGrant(
  name: string,
  decision: { acquired: boolean; row: LeaseRow },
  nowMs: number,
): LeaseGrant {
  return { ...toLease(name, decision.row, nowMs), acquired: decision.acquired };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
