import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { SqliteStore } from '../store/index.js';
import { tempFolder } from '../store/test-support/servers.js';
import { UsageMeter } from './usage-meter.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function meterOn(clock: () => Date) {
  const folder = await tempFolder();
  const store = new SqliteStore({ path: join(folder.dir, 'usage.db') });
  await store.open();
  cleanups.push(async () => {
    await store.close();
    await folder.remove();
  });
  return { store, meter: new UsageMeter(() => store, clock, pino({ level: 'silent' })) };
}

describe('UsageMeter', () => {
  it('rolls counted use up per hour and per day, per tenant', async () => {
    let now = Date.parse('2026-12-07T22:10:00Z');
    const { meter } = await meterOn(() => new Date(now));
    meter.count('a', 'api_calls');
    meter.count('a', 'api_calls');
    meter.count('b', 'api_calls');
    meter.count('a', 'cpu_seconds', 1.5);
    now = Date.parse('2026-12-07T23:50:00Z');
    meter.count('a', 'api_calls', 1);
    await meter.flush();
    const hours = await meter.report('a', { window: 'hour' });
    expect(
      hours.map((r) => [new Date(r.start).toISOString(), r.resource, r.amount, r.events]),
    ).toEqual([
      ['2026-12-07T22:00:00.000Z', 'api_calls', 2, 2],
      ['2026-12-07T22:00:00.000Z', 'cpu_seconds', 1.5, 1],
      ['2026-12-07T23:00:00.000Z', 'api_calls', 1, 1],
    ]);
    const days = await meter.report('a', { window: 'day', resource: 'api_calls' });
    expect(days.map((r) => [r.amount, r.events])).toEqual([[3, 3]]);
    expect((await meter.report('b', { window: 'day' })).map((r) => r.amount)).toEqual([1]);
    const late = await meter.report('a', {
      window: 'hour',
      from: Date.parse('2026-12-07T23:00:00Z'),
    });
    expect(late).toHaveLength(1);
  });

  it('keeps the counts when the store cannot take them, and writes them on the next flush', async () => {
    const at = Date.parse('2026-12-07T12:00:00Z');
    const { meter, store } = await meterOn(() => new Date(at));
    for (let i = 0; i < 5; i++) meter.count('a', 'api_calls');
    await store.close();
    await meter.flush();
    for (let i = 0; i < 2; i++) meter.count('a', 'api_calls');
    await store.open();
    // Nothing reached the store while it was closed...
    expect(await meter.report('a', { window: 'day' })).toEqual([]);
    // ...and nothing was lost either.
    await meter.flush();
    const [day] = await meter.report('a', { window: 'day' });
    expect(day).toMatchObject({ amount: 7, events: 7 });
  });

  it('adds up the counts of several servers sharing a store', async () => {
    const at = Date.parse('2026-12-07T12:00:00Z');
    const { meter, store } = await meterOn(() => new Date(at));
    const other = new UsageMeter(
      () => store,
      () => new Date(at),
      pino({ level: 'silent' }),
    );
    for (let i = 0; i < 30; i++) (i % 2 ? meter : other).count('a', 'api_calls');
    await Promise.all([meter.flush(), other.flush()]);
    const [day] = await meter.report('a', { window: 'day' });
    expect(day?.amount).toBe(30);
  });
});
