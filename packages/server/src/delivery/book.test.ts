import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summariseDeployment, type Deployment, type DeploymentSummary } from '@codedance/core';
import { createStore } from '../store/index.js';
import type { Store } from '../store/index.js';
import { DEPLOYMENT_INDEX_KIND, DeliveryBook } from './book.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T00:00:00.000Z');
const STATUSES = ['COMPLETED', 'ROLLED_BACK', 'FAILED', 'COMPLETED'] as const;

function summary(i: number): DeploymentSummary {
  return {
    id: `dep-20261201-${i.toString(16).padStart(8, '0')}`,
    app: i % 2 === 0 ? 'shop' : 'cart',
    environment: i % 3 === 0 ? 'production' : 'staging',
    version: `v${i}`,
    previousVersion: i === 0 ? null : `v${i - 1}`,
    deploymentType: 'CANARY',
    status: STATUSES[i % 4]!,
    reason: i % 4 === 1 ? `error rate ${i} % > 5 %` : null,
    executor: i % 5 === 0 ? 'ops-li' : 'ci',
    startTime: new Date(T0 - i * 60_000).toISOString(),
    endTime: new Date(T0 - i * 60_000 + 30_000).toISOString(),
    durationMs: 30_000,
    phase: 'Succeeded',
    currentStep: 3,
    currentWeight: 100,
    percentage: 100,
  };
}

describe('DeliveryBook over 10,000 releases', () => {
  let dir: string;
  let store: Store;
  let book: DeliveryBook;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codedance-book-'));
    store = createStore(`sqlite:${join(dir, 'store.db')}`);
    await store.open();
    for (let i = 0; i < 10_000; i += 1) {
      const row = summary(i);
      await store.create('default', DEPLOYMENT_INDEX_KIND, row.id, row);
    }
    book = new DeliveryBook(() => store);
    await book.load();
  }, 120_000);

  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const newest = (limit: number, after: string | null = null) =>
    ({ limit, order: 'desc', after }) as const;

  it('pages newest first by keyset, and counts every match', () => {
    const first = book.page({}, newest(50));
    expect(first.total).toBe(10_000);
    expect(first.items[0]?.version).toBe('v0');
    expect(first.items[49]?.version).toBe('v49');
    const second = book.page({}, newest(50, first.next));
    expect(second.items[0]?.version).toBe('v50');
    let after = second.next;
    let seen = 100;
    while (after !== null) {
      const page = book.page({}, newest(500, after));
      seen += page.items.length;
      after = page.next;
    }
    expect(seen).toBe(10_000);
    expect(() => book.page({}, newest(50, 'x'))).toThrow(/cursor/);
  });

  it('pages oldest first too, each release once, and from a release deleted meanwhile', () => {
    const oldest = book.page({ app: 'shop' }, { limit: 3, order: 'asc', after: null });
    expect(oldest.items.map((s) => s.version)).toEqual(['v9998', 'v9996', 'v9994']);
    const next = book.page({ app: 'shop' }, { limit: 2, order: 'asc', after: oldest.next });
    expect(next.items.map((s) => s.version)).toEqual(['v9992', 'v9990']);
    // A position between two releases (as a deleted one leaves) resumes at the next.
    const between = JSON.stringify([new Date(T0 - 9_997 * 60_000 + 1).toISOString(), 'x']);
    const resumed = book.page({}, newest(2, between));
    expect(resumed.items.map((s) => s.version)).toEqual(['v9997', 'v9998']);
  });

  it('filters by environment, status, app, time range and text together', () => {
    const result = book.page(
      {
        environment: 'production',
        status: ['ROLLED_BACK'],
        app: 'cart',
        from: new Date(T0 - 7 * DAY).toISOString(),
        q: 'ERROR RATE',
      },
      newest(500),
    );
    // i ≡ 1 (mod 4), odd, ≡ 0 (mod 3): i ≡ 9 (mod 12); all within the last 7 days (10,000 minutes).
    expect(result.total).toBe(Math.ceil((10_000 - 9) / 12));
    expect(
      result.items.every((s) => s.environment === 'production' && s.status === 'ROLLED_BACK'),
    ).toBe(true);
    const recent = book.filter({ from: new Date(T0 - 59 * 60_000).toISOString() });
    expect(recent.map((s) => s.version)).toEqual(Array.from({ length: 60 }, (_, i) => `v${i}`));
    expect(book.filter({ q: 'ops-li' })).toHaveLength(2000);
  });

  it('filters by several statuses at once', () => {
    // i ≡ 1 or 2 (mod 4): half of the 10,000.
    const ended = book.filter({ status: ['ROLLED_BACK', 'FAILED'] });
    expect(ended).toHaveLength(5000);
    expect(new Set(ended.map((s) => s.status))).toEqual(new Set(['ROLLED_BACK', 'FAILED']));
  });

  it('keeps the index in step with a saved record', async () => {
    const base = summary(20_000);
    const d = {
      ...base,
      startTime: new Date(T0 + 60_000).toISOString(),
      status: 'RUNNING',
      endTime: null,
      progress: { percentage: 10, currentStep: 'Start v20000', currentStepIndex: 0, steps: [] },
      canary: { phase: 'Progressing', currentStep: 0, currentWeight: 0, desiredWeight: 0 },
    } as unknown as Deployment;
    await book.save(d);
    expect(book.page({}, newest(1)).items[0]).toEqual(summariseDeployment(d));
    expect(book.active().map((s) => s.id)).toEqual([d.id]);
    await book.save({ ...d, status: 'COMPLETED', endTime: new Date(T0 + 120_000).toISOString() });
    expect(book.active()).toEqual([]);
    const again = new DeliveryBook(() => store);
    await again.load();
    expect(again.summaryOf(d.id)?.status).toBe('COMPLETED');
    expect(again.summaryOf(d.id)?.durationMs).toBe(60_000);
  });
});
