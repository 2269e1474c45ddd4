import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './retry.js';

const middle = () => 0.5;
const low = () => 0;
const high = () => 0.999_999;

describe('retryDelayMs', () => {
  it('waits the same with fixed backoff', () => {
    const options = { delaySeconds: 60, backoff: 'fixed' as const, jitter: 0 };
    expect([1, 2, 5].map((n) => retryDelayMs(n, options, middle))).toEqual([
      60_000, 60_000, 60_000,
    ]);
  });

  it('doubles per attempt with exponential backoff', () => {
    const options = { delaySeconds: 10, backoff: 'exponential' as const, jitter: 0 };
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, options, middle))).toEqual([
      10_000, 20_000, 40_000, 80_000,
    ]);
  });

  it('caps the wait at maxDelaySeconds, one hour by default', () => {
    const options = { delaySeconds: 60, backoff: 'exponential' as const, jitter: 0.5 };
    expect(retryDelayMs(20, options, high)).toBe(3_600_000);
    expect(retryDelayMs(2000, options, middle)).toBe(3_600_000);
    expect(retryDelayMs(10, { ...options, maxDelaySeconds: 90 }, high)).toBe(90_000);
  });

  it('spreads by at most ±jitter', () => {
    const options = { delaySeconds: 100, backoff: 'fixed' as const, jitter: 0.1 };
    expect(retryDelayMs(1, options, low)).toBe(90_000);
    expect(retryDelayMs(1, options, high)).toBe(110_000);
    for (let i = 0; i < 100; i++) {
      const delay = retryDelayMs(1, options, () => i / 100);
      expect(delay).toBeGreaterThanOrEqual(90_000);
      expect(delay).toBeLessThanOrEqual(110_000);
    }
  });

  it('is never negative and treats attempts below 1 as the first', () => {
    expect(retryDelayMs(1, { delaySeconds: 0, backoff: 'exponential', jitter: 1 }, low)).toBe(0);
    expect(retryDelayMs(1, { delaySeconds: -5, backoff: 'fixed', jitter: 0 })).toBe(0);
    expect(retryDelayMs(0, { delaySeconds: 10, backoff: 'exponential', jitter: 0 })).toBe(10_000);
  });
});
