import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodedanceError } from '@codedance/core';
import { createStore } from '../open-store.js';
import type { Clock } from '../rules.js';
import type { Store } from '../types.js';
import { describeKeysetPaging } from './conformance-keyset.js';
import { describeLeases } from './conformance-leases.js';
import { describeListing } from './conformance-listing.js';
import { describeWrites } from './conformance-writes.js';
import { T1, T2, TestClock, type Harness } from './harness.js';

/** What the suite hands the factory: stores must read the time from this clock. */
export interface ConformanceContext {
  clock: Clock;
}

/** A store made for one test, with what the suite needs to reach its data otherwise. */
export interface MadeStore {
  store: Store;
  cleanup: () => Promise<void>;
  /** The store URL of the same data, for other stores and other processes. */
  url: string;
  /** True when only one open store may use the data at a time (the JSON file's lock). */
  exclusive?: boolean;
}

export type MakeStore = (context: ConformanceContext) => Promise<MadeStore>;

/**
 * Defines the tests every store backend must pass, against a store that
 * `makeStore` creates (not yet opened) for each test. `cleanup` removes
 * what the store left behind; the suite closes the store itself.
 */
export function describeStoreConformance(name: string, makeStore: MakeStore): void {
  describe(`store conformance: ${name}`, () => {
    let current: (MadeStore & { clock: TestClock; peers: Store[] }) | null = null;
    const made = () => {
      if (!current) throw new Error('no store: used outside a test');
      return current;
    };
    const harness: Harness = {
      get store() {
        return made().store;
      },
      get clock() {
        return made().clock;
      },
      get url() {
        return made().url;
      },
      get exclusive() {
        return made().exclusive ?? false;
      },
      peer() {
        const test = made();
        const peer = createStore(test.url, { clock: test.clock.now });
        test.peers.push(peer);
        return peer;
      },
    };

    beforeEach(async () => {
      const clock = new TestClock();
      const store = await makeStore({ clock: clock.now });
      current = { ...store, clock, peers: [] };
      await store.store.open();
    });

    afterEach(async () => {
      const done = current;
      current = null;
      if (!done) return;
      await Promise.all(done.peers.map((peer) => peer.close()));
      await done.store.close();
      await done.cleanup();
    });

    describeWrites(harness);
    describeListing(harness);
    describeKeysetPaging(harness);
    describeLifecycle(harness);
    describeLeases(harness);
  });
}

function describeLifecycle(h: Harness): void {
  describe('lifecycle and info', () => {
    it('opening again, even twice at once, is harmless', async () => {
      await h.store.create(T1, 'task', 'a', { n: 1 });
      await h.store.open();
      await h.store.close();
      await Promise.all([h.store.open(), h.store.open()]);
      expect((await h.store.get(T1, 'task', 'a'))?.data).toEqual({ n: 1 });
      await h.store.ping();
    });

    it('keeps every acknowledged write across close and open', async () => {
      await h.store.create(T1, 'task', 'kept', { step: 1 });
      await h.store.update(T1, 'task', 'kept', { step: 2 }, 1);
      await h.store.create(T1, 'task', 'gone', {});
      await h.store.delete(T1, 'task', 'gone');
      await h.store.create(T2, 'service', 'other', ['x']);
      await h.store.close();
      await h.store.open();
      expect(await h.store.get(T1, 'task', 'kept')).toMatchObject({
        version: 2,
        data: { step: 2 },
      });
      expect(await h.store.get(T1, 'task', 'gone')).toBeNull();
      expect(await h.store.get(T2, 'service', 'other')).toMatchObject({ version: 1, data: ['x'] });
      expect(await h.store.count(T1, 'task')).toBe(1);
    });

    it('refuses calls after close instead of hanging', async () => {
      await h.store.close();
      const error: unknown = await h.store.get(T1, 'task', 'a').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CodedanceError);
    });

    it('reports backend, location, schema versions, size and kinds over all tenants', async () => {
      await h.store.create(T1, 'task', 'a', {});
      await h.store.create(T1, 'task', 'b', {});
      await h.store.create(T2, 'task', 'c', {});
      await h.store.create(T2, 'service', 'd', {});
      await h.store.create(T2, 'deployment', 'e', {});
      await h.store.delete(T2, 'deployment', 'e');
      const info = await h.store.info();
      expect(info.backend).toBe(h.store.backend);
      expect(info.location).toBe(h.store.location);
      expect(info.location).not.toBe('');
      expect(info.schemaVersion).toBeGreaterThanOrEqual(1);
      expect(info.schemaVersion).toBe(info.latestSchemaVersion);
      if (info.sizeBytes !== null) expect(info.sizeBytes).toBeGreaterThan(0);
      expect(info.kinds).toEqual({ task: 3, service: 1 });
      await h.store.ping();
    });
  });
}
