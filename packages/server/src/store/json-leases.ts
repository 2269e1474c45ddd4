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

export type LeaseTable = ReadonlyMap<string, LeaseRow>;

/** A lease to store under its name. */
export interface LeaseChange {
  name: string;
  row: LeaseRow;
}

/** How the JSON store lets its leases read and change its state. */
export interface JsonLeaseAccess {
  /** Reads the current leases. */
  read<R>(work: (leases: LeaseTable) => R): Promise<R>;
  /** Decides against the current leases after every earlier write, and saves the change. */
  mutate<R>(decide: (leases: LeaseTable) => { lease: LeaseChange | null; result: R }): Promise<R>;
}

/** Throws `LeaseLostError` unless the fence holds in `leases` at `nowMs`. */
export function assertJsonFence(leases: LeaseTable, fence: Fence, nowMs: number): void {
  checkFence(fence);
  if (!fenceHolds(leases.get(fence.lease), fence.token, nowMs)) {
    throw new LeaseLostError(fence.lease, fence.token);
  }
}

/**
 * Leases in the JSON file. Only one process can have the file open (its
 * lock file sees to that), and within it every change waits for the one
 * before, so the decisions never interleave. Expiry is judged by the clock.
 */
export class JsonLeases implements Leases {
  constructor(
    private readonly state: JsonLeaseAccess,
    private readonly clock: Clock,
  ) {}

  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant> {
    return this.state.mutate((leases) => {
      checkAcquire(name, holder, ttlMs);
      const now = this.clock().getTime();
      const decision = decideAcquire(leases.get(name), holder, now, ttlMs);
      const result = toGrant(name, decision, now);
      return { lease: decision.acquired ? { name, row: decision.row } : null, result };
    });
  }

  release(name: string, holder: string): Promise<boolean> {
    return this.state.mutate((leases) => {
      assertName('lease', name);
      assertName('holder', holder);
      const row = leases.get(name);
      if (row?.holder !== holder) return { lease: null, result: false };
      return { lease: { name, row: { ...row, holder: null, expiresAtMs: null } }, result: true };
    });
  }

  read(name: string): Promise<Lease> {
    return this.state.read((leases) => {
      assertName('lease', name);
      return toLease(name, leases.get(name), this.clock().getTime());
    });
  }

  assertFence(fence: Fence): Promise<void> {
    // Through the write queue: a fence checked here sees every write acknowledged before.
    return this.state.mutate((leases) => {
      assertJsonFence(leases, fence, this.clock().getTime());
      return { lease: null, result: undefined };
    });
  }
}
