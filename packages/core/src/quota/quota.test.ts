import { describe, expect, it } from 'vitest';
import {
  judgeQuota,
  limitsFromSeedQuota,
  rateLimitHeaders,
  rollUp,
  takeTokens,
  windowEnd,
  windowStart,
  type BucketState,
} from './index.js';

describe('judgeQuota', () => {
  it.each([
    // enforcement, max, used, requested -> allowed, warning, fits
    ['hard', 10, 3, 7, true, false, 7],
    ['hard', 10, 3, 8, false, false, 7],
    ['hard', 10, 10, 1, false, false, 0],
    ['hard', 10, 12, 0, true, false, 0],
    ['soft', 10, 10, 1, true, true, 0],
    ['soft', 10, 2, 1, true, false, 8],
  ] as const)(
    '%s limit %i with %i used, asking %i',
    (enforcement, max, used, requested, allowed, warning, fits) => {
      const verdict = judgeQuota({ max, enforcement }, used, requested);
      expect(verdict).toEqual({ allowed, warning, limit: max, used, requested, fits });
    },
  );

  it('refuses a negative or endless request instead of minting units', () => {
    expect(() => judgeQuota({ max: 5, enforcement: 'hard' }, 0, -1)).toThrow(RangeError);
    expect(() => judgeQuota({ max: 5, enforcement: 'hard' }, 0, Number.NaN)).toThrow(RangeError);
  });
});

describe('takeTokens', () => {
  const rate = { perSecond: 2, burst: 3 };

  it('lets a burst through, then refuses with the wait until the next token', () => {
    let state: BucketState | undefined;
    const answers = [0, 0, 0, 0].map(() => {
      const answer = takeTokens(state, 1_000, rate);
      state = answer.state;
      return answer;
    });
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0]);
    expect(answers[3]?.retryAfterMs).toBe(500);
    expect(takeTokens(state, 1_499, rate).allowed).toBe(false);
    expect(takeTokens(state, 1_500, rate).allowed).toBe(true);
  });

  it('refills to the burst and no further', () => {
    const empty = { tokens: 0, at: 0 };
    expect(takeTokens(empty, 60_000, rate).remaining).toBe(2);
  });

  it('mints nothing when the clock steps back', () => {
    const answer = takeTokens({ tokens: 0.5, at: 10_000 }, 5_000, rate);
    expect(answer.allowed).toBe(false);
    expect(answer.state.at).toBe(10_000);
  });

  it('names the limit, what is left and when to retry in headers', () => {
    const refused = takeTokens({ tokens: 0, at: 0 }, 0, rate);
    expect(rateLimitHeaders(refused, rate)).toEqual({
      'ratelimit-limit': '3',
      'ratelimit-remaining': '0',
      'ratelimit-reset': '2',
      'retry-after': '1',
    });
    const allowed = takeTokens(undefined, 0, rate);
    expect(rateLimitHeaders(allowed, rate)['retry-after']).toBeUndefined();
  });

  it('refuses a bucket that can never fill', () => {
    expect(() => takeTokens(undefined, 0, { perSecond: 0, burst: 1 })).toThrow(RangeError);
  });
});

describe('usage windows', () => {
  const at = Date.UTC(2026, 11, 7, 22, 45, 10);

  it('starts hours and days in UTC', () => {
    expect(windowStart(at, 'hour')).toBe(Date.UTC(2026, 11, 7, 22));
    expect(windowStart(at, 'day')).toBe(Date.UTC(2026, 11, 7));
    expect(windowEnd(at, 'day')).toBe(Date.UTC(2026, 11, 8));
  });

  it('rolls events up per tenant, resource and window', () => {
    const hour = Date.UTC(2026, 11, 7, 22);
    const rows = rollUp(
      [
        { tenant: 'b', resource: 'api_calls', amount: 1, at: hour + 10 },
        { tenant: 'a', resource: 'api_calls', amount: 1, at: hour + 20 },
        { tenant: 'a', resource: 'api_calls', amount: 2, at: hour + 3_599_999 },
        { tenant: 'a', resource: 'api_calls', amount: 5, at: hour + 3_600_000 },
        { tenant: 'a', resource: 'cpu_seconds', amount: 0.5, at: hour },
      ],
      'hour',
    );
    expect(rows).toEqual([
      { tenant: 'a', resource: 'api_calls', window: 'hour', start: hour, amount: 3, events: 2 },
      { tenant: 'a', resource: 'cpu_seconds', window: 'hour', start: hour, amount: 0.5, events: 1 },
      { tenant: 'b', resource: 'api_calls', window: 'hour', start: hour, amount: 1, events: 1 },
      {
        tenant: 'a',
        resource: 'api_calls',
        window: 'hour',
        start: hour + 3_600_000,
        amount: 5,
        events: 1,
      },
    ]);
  });
});

describe('seed quota', () => {
  it('maps TenantQuota fields to hard limits in base units', () => {
    expect(
      limitsFromSeedQuota({
        max_models: 3,
        max_storage_gb: 1.5,
        max_gpu_hours: 2,
        max_api_calls_per_day: 1000,
      }),
    ).toEqual([
      { kind: 'capacity', resource: 'models', max: 3, enforcement: 'hard' },
      { kind: 'capacity', resource: 'storage_bytes', max: 1_610_612_736, enforcement: 'hard' },
      { kind: 'consumption', resource: 'gpu_seconds', max: 7200, per: 'day', enforcement: 'hard' },
      { kind: 'consumption', resource: 'api_calls', max: 1000, per: 'day', enforcement: 'hard' },
    ]);
    expect(limitsFromSeedQuota({})).toEqual([]);
  });
});
