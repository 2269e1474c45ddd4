import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '@codedance/core';
import { createStore, type Leases, type Store } from '../store/index.js';
import { tempFolder } from '../store/test-support/servers.js';
import { LeaderElector, type LeaderState } from './leader.js';

const TTL = 3_000;
const RENEW = 1_000;
const LEASE = 'controllers';

/** A server's view: its own store on the shared file, and a switch that cuts it off. */
interface Server {
  store: Store;
  elector: LeaderElector;
  changes: (LeaderState & { at: number })[];
  /** While true, every call to the store fails as an unreachable store does. */
  cut: boolean;
  /** While set, each acquire waits for it before reaching the store. */
  slow: Promise<void> | null;
}

describe('LeaderElector', () => {
  let folder: { dir: string; remove: () => Promise<void> };
  const servers: Server[] = [];

  beforeEach(async () => {
    vi.useFakeTimers({ now: Date.parse('2031-05-06T07:08:09.000Z') });
    folder = await tempFolder();
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.cut = false;
      server.slow = null;
      await server.elector.stop();
      await server.store.close();
    }
    vi.useRealTimers();
    await folder.remove();
  });

  async function server(holder: string): Promise<Server> {
    // The store judges expiry by the same fake time the elector runs on.
    const store = createStore(`sqlite:${join(folder.dir, 'shared.db')}`, {
      clock: () => new Date(Date.now()),
    });
    await store.open();
    const leases = (): Leases => {
      if (made.cut) throw new StoreUnavailableError('sqlite');
      const slow = made.slow;
      if (!slow) return store.leases;
      return {
        ...store.leases,
        acquire: async (...args) => {
          await slow;
          return store.leases.acquire(...args);
        },
      };
    };
    const elector = new LeaderElector({
      leases,
      name: LEASE,
      holder,
      ttlMs: TTL,
      renewEveryMs: RENEW,
      clock: () => Date.now(),
    });
    const made: Server = { store, elector, changes: [], cut: false, slow: null };
    elector.on('change', (state) => made.changes.push({ ...state, at: Date.now() }));
    servers.push(made);
    return made;
  }

  it('one of two leads under token 1 and keeps leading while it renews; the other waits', async () => {
    const a = await server('a');
    const b = await server('b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.elector.fence()).toEqual({ lease: LEASE, token: 1 });
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.fence()).toBeNull();

    await vi.advanceTimersByTimeAsync(10 * TTL);
    expect(a.elector.state()).toEqual({ leader: true, token: 1 });
    expect(b.elector.state()).toEqual({ leader: false, token: null });
    expect(a.changes.map(({ leader, token }) => ({ leader, token }))).toEqual([
      { leader: true, token: 1 },
    ]);
    expect(b.changes).toEqual([]);
  });

  it('a leader that stops releases the lease; the other leads within one renewal, with a larger token', async () => {
    const a = await server('a');
    const b = await server('b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(RENEW);

    const stoppedAt = Date.now();
    await a.elector.stop();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.changes.at(-1)).toMatchObject({ leader: false, token: null });
    await vi.advanceTimersByTimeAsync(RENEW);
    expect(b.changes).toEqual([{ leader: true, token: 2, at: expect.any(Number) as number }]);
    expect((b.changes[0]?.at ?? Infinity) - stoppedAt).toBeLessThanOrEqual(RENEW);
  });

  it('a leader cut off from the store steps down by its own deadline, before the other can lead', async () => {
    const a = await server('a');
    const b = await server('b');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    b.elector.start();
    await vi.advanceTimersByTimeAsync(2 * RENEW + 500);

    // The last renewal that reached the store was sent on the last whole RENEW.
    const lastRenewal = Date.now() - 500;
    a.cut = true;
    // Whether the old leader still counted itself leader when the new one took over.
    const overlaps: boolean[] = [];
    b.elector.on('change', (state) => {
      if (state.leader) overlaps.push(a.elector.isLeader());
    });
    await vi.advanceTimersByTimeAsync(TTL + RENEW);

    const steppedDown = a.changes.find((c) => !c.leader);
    expect(steppedDown?.at).toBeLessThanOrEqual(lastRenewal + TTL);
    const tookOver = b.changes.find((c) => c.leader);
    expect(tookOver).toMatchObject({ token: 2 });
    expect(tookOver?.at).toBeGreaterThanOrEqual(steppedDown?.at ?? Infinity);
    expect(overlaps).toEqual([false]);

    // Back in touch, the old leader finds the lease taken and stays out.
    a.cut = false;
    await vi.advanceTimersByTimeAsync(3 * RENEW);
    expect(a.elector.isLeader()).toBe(false);
    expect(b.elector.state()).toEqual({ leader: true, token: 2 });
  });

  it('does not count a grant whose answer came after the grant would have ended', async () => {
    const a = await server('a');
    let letThrough!: () => void;
    a.slow = new Promise((resolve) => {
      letThrough = resolve;
    });
    a.elector.start();
    await vi.advanceTimersByTimeAsync(TTL + 1);
    a.slow = null;
    letThrough();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.changes).toEqual([]);

    // The next try renews what the store granted late, and counts from its own sending.
    await vi.advanceTimersByTimeAsync(RENEW);
    expect(a.elector.state()).toEqual({ leader: true, token: 1 });
  });

  it('cut off, steps down; leads again under a new token once the store returns and nobody took over', async () => {
    const a = await server('a');
    a.elector.start();
    await vi.advanceTimersByTimeAsync(0);
    a.cut = true;
    await vi.advanceTimersByTimeAsync(TTL);
    expect(a.elector.isLeader()).toBe(false);
    a.cut = false;
    await vi.advanceTimersByTimeAsync(RENEW);
    // The store's lease had lapsed too, so the grant is new and its token larger.
    expect(a.changes.map(({ leader, token }) => ({ leader, token }))).toEqual([
      { leader: true, token: 1 },
      { leader: false, token: null },
      { leader: true, token: 2 },
    ]);
  });

  it('stops once, leaving no timer behind, and refuses a renewal period as long as the ttl', async () => {
    const a = await server('a');
    a.elector.start();
    a.elector.start();
    await vi.advanceTimersByTimeAsync(RENEW);
    await a.elector.stop();
    await a.elector.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(a.changes.map((c) => c.leader)).toEqual([true, false]);
    expect((await a.store.leases.read(LEASE)).holder).toBeNull();

    const leases = () => a.store.leases;
    const clock = () => Date.now();
    for (const renewEveryMs of [0, TTL, TTL + 1]) {
      expect(
        () => new LeaderElector({ leases, clock, name: LEASE, ttlMs: TTL, renewEveryMs }),
      ).toThrow(RangeError);
    }
  });
});
