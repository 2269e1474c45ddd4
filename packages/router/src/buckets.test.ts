import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS_MS, latencyBucket } from './buckets.js';
import { RouterStats } from './stats.js';

describe('latency buckets', () => {
  it('are the E12 series from 0.1 ms to 56 s, ascending', () => {
    expect(LATENCY_BOUNDS_MS).toHaveLength(70);
    expect(LATENCY_BOUNDS_MS.slice(0, 13)).toEqual([
      0.1, 0.12, 0.15, 0.18, 0.22, 0.27, 0.33, 0.39, 0.47, 0.56, 0.68, 0.82, 1,
    ]);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBe(56_000);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      const ratio = LATENCY_BOUNDS_MS[i]! / LATENCY_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1.08);
      expect(ratio).toBeLessThan(1.3);
    }
  });

  it('count a latency in the first bucket whose bound it does not exceed, as `le` does', () => {
    const at = (ms: number) => LATENCY_BOUNDS_MS[latencyBucket(ms)];
    expect(at(1)).toBe(1);
    expect(at(1.0001)).toBe(1.2);
    expect(at(0.05)).toBe(0.1);
    expect(at(499)).toBe(560);
    expect(latencyBucket(56_000.5)).toBe(LATENCY_BOUNDS_MS.length);
    expect(latencyBucket(Number.NaN)).toBe(0);
    expect(latencyBucket(-3)).toBe(0);
  });

  it('hold every request of a window, per version, with their sum', () => {
    const now = 5_000_000;
    const stats = new RouterStats({ now: () => now });
    for (const ms of [0.5, 3, 3, 47, 47.5, 90_000]) {
      stats.forVersion('v1').record(200, ms, 0, now - 500);
    }
    stats.forVersion('v1').record(503, 3.3, 0, now - 1500);
    const window = stats.window(now - 2000, now);
    const histogram = window.versions['v1']!.histogram;
    expect(histogram.bounds).toEqual(LATENCY_BOUNDS_MS);
    expect(histogram.counts).toHaveLength(LATENCY_BOUNDS_MS.length + 1);
    const nonZero = Object.fromEntries(
      histogram.counts.flatMap((c, i) => (c > 0 ? [[LATENCY_BOUNDS_MS[i] ?? 'inf', c]] : [])),
    );
    expect(nonZero).toEqual({ 0.56: 1, 3.3: 3, 47: 1, 56: 1, inf: 1 });
    expect(histogram.sumMs).toBeCloseTo(0.5 + 3 + 3 + 47 + 47.5 + 90_000 + 3.3, 6);
    // A window that leaves out the older second leaves out its latency too.
    expect(stats.window(now - 1000, now).versions['v1']!.histogram.counts[18]).toBe(2);
  });
});
