import { describe, expect, it } from 'vitest';
import { missedFires, nextFireTimes, type MisfirePolicy } from './fire-times.js';

const anchor = new Date('2024-01-01T00:00:00Z');
type Spec = { cron?: string; timezone?: string; interval_minutes?: number };

/** The next fire times as ISO strings, so failures read as times. */
function next(spec: Spec, from: string, count: number): string[] {
  return nextFireTimes({ ...spec, anchor }, new Date(from), count).map((d) => d.toISOString());
}

function missed(spec: Spec, last: string | null, now: string, policy: MisfirePolicy, cap?: number) {
  const lastFireAt = last === null ? null : new Date(last);
  return missedFires({ ...spec, anchor }, lastFireAt, new Date(now), policy, cap).map((d) =>
    d.toISOString(),
  );
}

describe('nextFireTimes with cron', () => {
  it('lists the next minutes strictly after `from`', () => {
    expect(next({ cron: '*/5 * * * *', timezone: 'UTC' }, '2024-01-01T00:05:00Z', 3)).toEqual([
      '2024-01-01T00:10:00.000Z',
      '2024-01-01T00:15:00.000Z',
      '2024-01-01T00:20:00.000Z',
    ]);
  });

  it('supports a seconds field', () => {
    expect(
      next({ cron: '*/20 * * * * *', timezone: 'UTC' }, '2024-01-01T00:00:30.500Z', 3),
    ).toEqual(['2024-01-01T00:00:40.000Z', '2024-01-01T00:01:00.000Z', '2024-01-01T00:01:20.000Z']);
  });

  it('honours the time zone', () => {
    expect(
      next({ cron: '0 9 * * *', timezone: 'Asia/Shanghai' }, '2024-06-01T00:00:00Z', 2),
    ).toEqual(['2024-06-01T01:00:00.000Z', '2024-06-02T01:00:00.000Z']);
  });

  // Berlin springs forward on 2024-03-31: 02:00 CET becomes 03:00 CEST (01:00 UTC).
  it('runs a fixed time inside the spring-forward gap right after the gap', () => {
    expect(
      next({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, '2024-03-30T00:00:00Z', 3),
    ).toEqual([
      '2024-03-30T01:30:00.000Z', // 02:30 CET
      '2024-03-31T01:00:00.000Z', // 03:00 CEST: 02:30 does not exist that day
      '2024-04-01T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('skips the missing half hours of an interval-like cron across the gap', () => {
    expect(
      next({ cron: '*/30 * * * *', timezone: 'Europe/Berlin' }, '2024-03-31T00:10:00Z', 4),
    ).toEqual([
      '2024-03-31T00:30:00.000Z', // 01:30 CET
      '2024-03-31T01:00:00.000Z', // 03:00 CEST
      '2024-03-31T01:30:00.000Z', // 03:30 CEST
      '2024-03-31T02:00:00.000Z',
    ]);
  });

  // Berlin falls back on 2024-10-27: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
  it('runs a fixed time in the repeated hour once', () => {
    expect(
      next({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, '2024-10-26T12:00:00Z', 2),
    ).toEqual([
      '2024-10-27T00:30:00.000Z', // the first 02:30 (CEST)
      '2024-10-28T01:30:00.000Z',
    ]);
  });

  it('clamps the count to 1..1000', () => {
    const spec = { cron: '* * * * * *', timezone: 'UTC' };
    expect(next(spec, '2024-01-01T00:00:00Z', 0)).toHaveLength(1);
    expect(next(spec, '2024-01-01T00:00:00Z', 5000)).toHaveLength(1000);
  });
});

describe('nextFireTimes with an interval', () => {
  const every10 = { interval_minutes: 10 };

  it('counts from the anchor, first fire one interval after it', () => {
    expect(next(every10, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-01T00:10:00.000Z',
      '2024-01-01T00:20:00.000Z',
    ]);
    expect(next(every10, '2023-12-31T00:00:00Z', 1)).toEqual(['2024-01-01T00:10:00.000Z']);
  });

  it('stays on the anchor grid and is strictly after `from`', () => {
    expect(next(every10, '2024-01-01T00:20:00Z', 1)).toEqual(['2024-01-01T00:30:00.000Z']);
    expect(next(every10, '2024-01-01T00:25:59Z', 1)).toEqual(['2024-01-01T00:30:00.000Z']);
  });

  it('accepts fractions of a minute', () => {
    expect(next({ interval_minutes: 0.5 }, '2024-01-01T00:00:00Z', 2)).toEqual([
      '2024-01-01T00:00:30.000Z',
      '2024-01-01T00:01:00.000Z',
    ]);
  });

  it('gives nothing for an on-demand task', () => {
    expect(next({}, '2024-01-01T00:00:00Z', 5)).toEqual([]);
  });
});

describe('missedFires', () => {
  const hourly = { cron: '0 * * * *', timezone: 'UTC' };
  const last = '2024-01-01T00:00:00Z';
  const now = '2024-01-01T05:30:00Z';

  it('skips them all with skip', () => {
    expect(missed(hourly, last, now, 'skip')).toEqual([]);
  });

  it('keeps only the latest with run_once', () => {
    expect(missed(hourly, last, now, 'run_once')).toEqual(['2024-01-01T05:00:00.000Z']);
    expect(missed({ interval_minutes: 7 }, last, now, 'run_once')).toEqual([
      '2024-01-01T05:29:00.000Z',
    ]);
  });

  it('keeps all, oldest first, with catch_up', () => {
    expect(missed(hourly, last, now, 'catch_up')).toEqual([
      '2024-01-01T01:00:00.000Z',
      '2024-01-01T02:00:00.000Z',
      '2024-01-01T03:00:00.000Z',
      '2024-01-01T04:00:00.000Z',
      '2024-01-01T05:00:00.000Z',
    ]);
  });

  it('keeps the latest `cap` ones with catch_up', () => {
    expect(missed(hourly, last, now, 'catch_up', 2)).toEqual([
      '2024-01-01T04:00:00.000Z',
      '2024-01-01T05:00:00.000Z',
    ]);
  });

  it('includes a fire at `now` and excludes the one at lastFireAt', () => {
    expect(missed(hourly, last, '2024-01-01T01:00:00Z', 'catch_up')).toEqual([
      '2024-01-01T01:00:00.000Z',
    ]);
  });

  it('has missed nothing when nothing is due or it never fired', () => {
    expect(missed(hourly, last, '2024-01-01T00:59:59Z', 'catch_up')).toEqual([]);
    expect(missed(hourly, null, now, 'catch_up')).toEqual([]);
    expect(missed({}, last, now, 'catch_up')).toEqual([]);
  });

  it('works on the interval grid, even after a long outage', () => {
    expect(
      missed({ interval_minutes: 1 / 60 }, last, '2025-01-01T00:00:00Z', 'catch_up', 3),
    ).toEqual(['2024-12-31T23:59:58.000Z', '2024-12-31T23:59:59.000Z', '2025-01-01T00:00:00.000Z']);
    expect(
      missed({ interval_minutes: 10 }, '2024-01-01T00:15:00Z', '2024-01-01T00:40:00Z', 'catch_up'),
    ).toEqual(['2024-01-01T00:20:00.000Z', '2024-01-01T00:30:00.000Z', '2024-01-01T00:40:00.000Z']);
  });

  it('finds seconds-level cron misses', () => {
    expect(
      missed({ cron: '*/10 * * * * *', timezone: 'UTC' }, last, '2024-01-01T00:00:35Z', 'catch_up'),
    ).toEqual(['2024-01-01T00:00:10.000Z', '2024-01-01T00:00:20.000Z', '2024-01-01T00:00:30.000Z']);
  });

  it('finds misses across the spring-forward gap in the zone', () => {
    expect(
      missed(
        { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
        '2024-03-30T12:00:00Z',
        '2024-04-01T12:00:00Z',
        'catch_up',
      ),
    ).toEqual(['2024-03-31T01:00:00.000Z', '2024-04-01T00:30:00.000Z']);
  });
});
