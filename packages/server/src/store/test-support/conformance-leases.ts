import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '@codedance/core';
import { MAX_LEASE_TTL_MS } from '../lease-rules.js';
import type { Fence, LeaseGrant } from '../types.js';
import { describeLeaseRaces } from './conformance-lease-races.js';
import { T1, rejectsWith, type Harness } from './harness.js';
import { eventually } from './servers.js';

/** Long enough that no test outlives it, even on a slow machine. */
const LONG = 60_000;
/** Short enough to wait out for real where the store judges time by its own clock. */
const SHORT = 300;

/**
 * Lets a lease granted for `ttlMs` run out: moves the test clock past it
 * (SQLite, JSON) and waits until the store itself says so (PostgreSQL and
 * Redis judge by their own clocks, which the test cannot move).
 */
export async function outlive(h: Harness, name: string, ttlMs: number): Promise<void> {
  h.clock.advance(ttlMs + 1);
  await eventually(async () => {
    expect((await h.store.leases.read(name)).holder).toBeNull();
  }, 10_000);
}

export function describeLeases(h: Harness): void {
  describe('leases', () => {
    it('grants a free lease with token 1 and renews it for its holder, same token', async () => {
      expect(await h.store.leases.read('leader')).toEqual({
        name: 'leader',
        holder: null,
        token: 0,
        expiresAt: null,
      });
      const first = await h.store.leases.acquire('leader', 'a', LONG);
      expect(first).toMatchObject({ name: 'leader', acquired: true, holder: 'a', token: 1 });
      expect(Date.parse(first.expiresAt ?? '')).toBeGreaterThan(0);
      expect(await h.store.leases.read('leader')).toEqual({
        name: 'leader',
        holder: 'a',
        token: 1,
        expiresAt: first.expiresAt,
      });
      h.clock.advance(1_000);
      const renewed = await h.store.leases.acquire('leader', 'a', LONG);
      expect(renewed).toMatchObject({ acquired: true, holder: 'a', token: 1 });
      expect(Date.parse(renewed.expiresAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(first.expiresAt ?? ''),
      );
    });

    it('refuses a lease held by another, naming the holder and its token', async () => {
      await h.store.leases.acquire('leader', 'a', LONG);
      expect(await h.store.leases.acquire('leader', 'b', LONG)).toMatchObject({
        acquired: false,
        holder: 'a',
        token: 1,
      });
      expect((await h.store.leases.read('leader')).holder).toBe('a');
    });

    it('passes to another once the holder stops renewing; the new token is larger and the old holder cannot renew', async () => {
      const a = await h.store.leases.acquire('leader', 'a', SHORT);
      await outlive(h, 'leader', SHORT);
      const b = await h.store.leases.acquire('leader', 'b', LONG);
      expect(b).toMatchObject({ acquired: true, holder: 'b' });
      expect(b.token).toBeGreaterThan(a.token);
      expect(await h.store.leases.acquire('leader', 'a', LONG)).toMatchObject({
        acquired: false,
        holder: 'b',
        token: b.token,
      });
    });

    it('renewing carries the lease past its first ttl', async () => {
      await h.store.leases.acquire('leader', 'a', 3_000);
      h.clock.advance(2_000);
      expect((await h.store.leases.acquire('leader', 'a', 3_000)).acquired).toBe(true);
      h.clock.advance(2_000);
      expect(await h.store.leases.acquire('leader', 'b', 3_000)).toMatchObject({
        acquired: false,
        holder: 'a',
      });
    });

    it('an expired lease taken back by its own holder is a new grant, with a new token', async () => {
      const first = await h.store.leases.acquire('leader', 'a', SHORT);
      await outlive(h, 'leader', SHORT);
      const again = await h.store.leases.acquire('leader', 'a', LONG);
      expect(again).toMatchObject({ acquired: true, holder: 'a', token: first.token + 1 });
    });

    it('is released by its holder only; the next grant has the next token', async () => {
      await h.store.leases.acquire('leader', 'a', LONG);
      expect(await h.store.leases.release('leader', 'b')).toBe(false);
      expect((await h.store.leases.read('leader')).holder).toBe('a');
      expect(await h.store.leases.release('leader', 'a')).toBe(true);
      expect(await h.store.leases.read('leader')).toEqual({
        name: 'leader',
        holder: null,
        token: 1,
        expiresAt: null,
      });
      expect(await h.store.leases.release('leader', 'a')).toBe(false);
      expect(await h.store.leases.release('never-taken', 'a')).toBe(false);
      expect(await h.store.leases.acquire('leader', 'b', LONG)).toMatchObject({
        acquired: true,
        token: 2,
      });
    });

    it('counts tokens per lease name', async () => {
      await h.store.leases.acquire('one', 'a', LONG);
      await h.store.leases.acquire('two', 'a', LONG);
      await h.store.leases.release('one', 'a');
      expect((await h.store.leases.acquire('one', 'b', LONG)).token).toBe(2);
      expect(await h.store.leases.read('two')).toMatchObject({ holder: 'a', token: 1 });
    });

    it('keeps the tokens across close and open', async () => {
      await h.store.leases.acquire('leader', 'a', LONG);
      await h.store.leases.release('leader', 'a');
      await h.store.close();
      await h.store.open();
      expect((await h.store.leases.read('leader')).token).toBe(1);
      expect((await h.store.leases.acquire('leader', 'b', LONG)).token).toBe(2);
    });

    it('refuses bad names, holders, ttls and fences with CD_BAD_REQUEST', async () => {
      const { leases } = h.store;
      for (const name of ['', 'x'.repeat(201), 'nul\u0000', 'lone\ud800']) {
        await rejectsWith(leases.acquire(name, 'a', LONG), 'CD_BAD_REQUEST');
        await rejectsWith(leases.read(name), 'CD_BAD_REQUEST');
        await rejectsWith(leases.release(name, 'a'), 'CD_BAD_REQUEST');
        await rejectsWith(leases.acquire('leader', name, LONG), 'CD_BAD_REQUEST');
      }
      for (const ttl of [0, -1, 1.5, Number.NaN, Infinity, MAX_LEASE_TTL_MS + 1]) {
        await rejectsWith(leases.acquire('leader', 'a', ttl), 'CD_BAD_REQUEST');
      }
      for (const token of [0, -1, 1.5, Number.NaN]) {
        const fence = { lease: 'leader', token };
        await rejectsWith(leases.assertFence(fence), 'CD_BAD_REQUEST');
        await rejectsWith(h.store.create(T1, 'task', 'a', {}, { fence }), 'CD_BAD_REQUEST');
      }
      expect(await leases.read('leader')).toMatchObject({ holder: null, token: 0 });
      expect(await h.store.get(T1, 'task', 'a')).toBeNull();
    });

    describeFencedWrites(h);
    describeLeaseRaces(h);
  });
}

function describeFencedWrites(h: Harness): void {
  describe('fenced writes', () => {
    async function lost(write: Promise<unknown>, fence: Fence): Promise<void> {
      const error = await rejectsWith(write, 'CD_LEASE_LOST');
      expect(error).toBeInstanceOf(LeaseLostError);
      expect(error.details).toEqual({ lease: fence.lease, token: fence.token });
    }

    it('land while the fence holds, and are refused, changing nothing, once the lease passed on', async () => {
      const a: Fence = { lease: 'leader', token: (await acquire('a', SHORT)).token };
      await h.store.create(T1, 'task', 'x', { by: 'a' }, { fence: a });
      await h.store.update(T1, 'task', 'x', { by: 'a', step: 2 }, 1, { fence: a });
      await h.store.create(T1, 'task', 'y', {}, { fence: a });
      await h.store.leases.assertFence(a);

      await outlive(h, 'leader', SHORT);
      const b: Fence = { lease: 'leader', token: (await acquire('b', LONG)).token };
      await lost(h.store.create(T1, 'task', 'z', {}, { fence: a }), a);
      await lost(h.store.update(T1, 'task', 'x', { by: 'a', step: 3 }, 2, { fence: a }), a);
      await lost(h.store.delete(T1, 'task', 'y', undefined, { fence: a }), a);
      await lost(h.store.leases.assertFence(a), a);
      expect(await h.store.get(T1, 'task', 'z')).toBeNull();
      expect(await h.store.get(T1, 'task', 'x')).toMatchObject({
        version: 2,
        data: { by: 'a', step: 2 },
      });
      expect(await h.store.get(T1, 'task', 'y')).not.toBeNull();

      await h.store.leases.assertFence(b);
      await h.store.update(T1, 'task', 'x', { by: 'b' }, 2, { fence: b });
      expect(await h.store.delete(T1, 'task', 'y', 1, { fence: b })).toBe(true);
      expect((await h.store.get(T1, 'task', 'x'))?.data).toEqual({ by: 'b' });
    });

    it('are refused once the lease expired, before anyone took it over', async () => {
      const a: Fence = { lease: 'leader', token: (await acquire('a', SHORT)).token };
      await outlive(h, 'leader', SHORT);
      await lost(h.store.create(T1, 'task', 'x', {}, { fence: a }), a);
      await lost(h.store.leases.assertFence(a), a);
      expect(await h.store.get(T1, 'task', 'x')).toBeNull();
    });

    it('are refused on a released lease, and on one never granted', async () => {
      const a: Fence = { lease: 'leader', token: (await acquire('a', LONG)).token };
      await h.store.leases.release('leader', 'a');
      await lost(h.store.create(T1, 'task', 'x', {}, { fence: a }), a);
      const never: Fence = { lease: 'never-granted', token: 1 };
      await lost(h.store.create(T1, 'task', 'x', {}, { fence: never }), never);
      await lost(h.store.leases.assertFence(never), never);
      expect(await h.store.get(T1, 'task', 'x')).toBeNull();
    });

    it('with a good fence still report their own conflicts', async () => {
      const fence: Fence = { lease: 'leader', token: (await acquire('a', LONG)).token };
      await h.store.create(T1, 'task', 'x', { v: 1 }, { fence });
      await rejectsWith(h.store.create(T1, 'task', 'x', {}, { fence }), 'CD_ALREADY_EXISTS');
      await rejectsWith(h.store.update(T1, 'task', 'x', {}, 7, { fence }), 'CD_CONFLICT');
      await rejectsWith(h.store.update(T1, 'task', 'none', {}, 1, { fence }), 'CD_NOT_FOUND');
      await rejectsWith(h.store.delete(T1, 'task', 'x', 7, { fence }), 'CD_CONFLICT');
      expect(await h.store.delete(T1, 'task', 'none', undefined, { fence })).toBe(false);
      expect(await h.store.get(T1, 'task', 'x')).toMatchObject({ version: 1, data: { v: 1 } });
    });

    async function acquire(holder: string, ttlMs: number): Promise<LeaseGrant> {
      const grant = await h.store.leases.acquire('leader', holder, ttlMs);
      expect(grant.acquired).toBe(true);
      return grant;
    }
  });
}
