import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CapacityLimit, ConsumptionLimit } from '@codedance/core';
import { createStore, type Store } from '../store/index.js';
import {
  deleteRedisKeys,
  dropPostgresSchema,
  postgresTestUrl,
  redisTestUrl,
  tempFolder,
} from '../store/test-support/servers.js';
import { QuotaLedger } from './ledger.js';

interface Opened {
  url: string;
  cleanup: () => Promise<void>;
  /** The JSON file admits one process, so its race is between requests, not servers. */
  exclusive?: boolean;
}

const backends: Record<string, () => Promise<Opened>> = {
  sqlite: async () => {
    const folder = await tempFolder();
    return { url: `sqlite:${join(folder.dir, 'q.db')}`, cleanup: folder.remove };
  },
  postgres: () => {
    const { url, schema } = postgresTestUrl();
    return Promise.resolve({ url, cleanup: () => dropPostgresSchema(schema) });
  },
  redis: () => {
    const { url, prefix } = redisTestUrl();
    return Promise.resolve({ url, cleanup: () => deleteRedisKeys(prefix) });
  },
  json: async () => {
    const folder = await tempFolder();
    return { url: `json:${join(folder.dir, 'q.json')}`, cleanup: folder.remove, exclusive: true };
  },
};

const services: CapacityLimit = {
  kind: 'capacity',
  resource: 'services',
  max: 5,
  enforcement: 'hard',
};
const calls: ConsumptionLimit = {
  kind: 'consumption',
  resource: 'api_calls',
  max: 3,
  per: 'day',
  enforcement: 'hard',
};

for (const [backend, open] of Object.entries(backends)) {
  describe(`the quota ledger on ${backend}`, () => {
    let opened: Opened;
    let stores: Store[];
    let now: Date;
    const clock = () => now;

    async function storeOf(): Promise<Store> {
      const store = createStore(opened.url, { clock });
      await store.open();
      stores.push(store);
      return store;
    }

    beforeEach(async () => {
      opened = await open();
      stores = [];
      now = new Date('2026-12-07T23:59:58Z');
    });
    afterEach(async () => {
      await Promise.all(stores.map((s) => s.close()));
      await opened.cleanup();
    });

    it('takes what fits and refuses the rest, naming the limit, the usage and what fits', async () => {
      const ledger = new QuotaLedger(await storeOf(), clock);
      await expect(ledger.reserve('a', services, 3)).resolves.toMatchObject({
        allowed: true,
        fits: 5,
      });
      const refusal = ledger.reserve('a', services, 3);
      await expect(refusal).rejects.toMatchObject({
        code: 'CD_QUOTA_EXCEEDED',
        status: 403,
        details: { tenant: 'a', resource: 'services', limit: 5, used: 3, requested: 3, fits: 2 },
      });
      await expect(refusal).rejects.toThrow(
        /may use 5 services; 3 are used and 3 more were asked for \(2 would fit\)/,
      );
      expect(await ledger.used('a', services)).toBe(3);
    });

    it('keeps tenants apart', async () => {
      const ledger = new QuotaLedger(await storeOf(), clock);
      await ledger.reserve('a', services, 5);
      await expect(ledger.reserve('b', services, 5)).resolves.toMatchObject({ allowed: true });
      await expect(ledger.reserve('a', services, 1)).rejects.toMatchObject({
        code: 'CD_QUOTA_EXCEEDED',
      });
    });

    it('gives capacity back, never below zero', async () => {
      const ledger = new QuotaLedger(await storeOf(), clock);
      await ledger.reserve('a', services, 5);
      expect(await ledger.release('a', services, 2)).toBe(3);
      await expect(ledger.reserve('a', services, 2)).resolves.toMatchObject({ allowed: true });
      expect(await ledger.release('a', services, 99)).toBe(0);
    });

    it('counts consumption per UTC day and starts over at midnight', async () => {
      const ledger = new QuotaLedger(await storeOf(), clock);
      await ledger.reserve('a', calls, 3);
      await expect(ledger.reserve('a', calls, 1)).rejects.toMatchObject({
        code: 'CD_QUOTA_EXCEEDED',
      });
      now = new Date('2026-12-08T00:00:01Z');
      await expect(ledger.reserve('a', calls, 1)).resolves.toMatchObject({
        used: 0,
        allowed: true,
      });
    });

    it('lets a soft limit pass with a warning', async () => {
      const ledger = new QuotaLedger(await storeOf(), clock);
      const soft = { ...services, enforcement: 'soft' as const };
      await ledger.reserve('a', soft, 5);
      await expect(ledger.reserve('a', soft, 1)).resolves.toMatchObject({
        allowed: true,
        warning: true,
      });
      expect(await ledger.used('a', soft)).toBe(6);
    });

    it('racing for the last units: exactly as many win as fit, through one server and through several', async () => {
      const racers = 12;
      const store = await storeOf();
      const ledgers = opened.exclusive
        ? Array.from({ length: racers }, () => new QuotaLedger(store, clock))
        : await Promise.all(
            Array.from({ length: racers }, async () => new QuotaLedger(await storeOf(), clock)),
          );
      const results = await Promise.allSettled(ledgers.map((l) => l.reserve('a', services, 1)));
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(services.max);
      for (const refusal of lost) {
        expect(refusal.reason).toMatchObject({ code: 'CD_QUOTA_EXCEEDED' });
      }
      expect(await new QuotaLedger(store, clock).used('a', services)).toBe(services.max);
    });
  });
}
