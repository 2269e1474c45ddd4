import { describe, expect, it } from 'vitest';
import { reconnectDelay } from './backoff';

describe('reconnect delay', () => {
  it('doubles per failed attempt up to the cap, keeping between half and all of it', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, low))).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map((a) => reconnectDelay(a, high))).toEqual([500, 1000, 2000, 4000]);
    expect(reconnectDelay(20, low)).toBe(15_000);
    expect(reconnectDelay(20, high)).toBe(30_000);
  });

  it('spreads clients that lost the server at the same moment', () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(4)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });
});
