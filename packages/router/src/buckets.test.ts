import { describe, expect, it } from 'vitest';
import { LATENCY_BOUNDS_MS, latencyBucket } from './buckets.js';
import { RouterStats } from './stats.js';

describe('latency buckets', () => {
  it('are 20 round numbers a decade from 0.1 ms to 60 s, ascending', () => {
    expect(LATENCY_BOUNDS_MS).toHaveLength(117);
    expect(LATENCY_BOUNDS_MS.slice(0, 21)).toEqual([
      0.1, 0.11, 0.12, 0.13, 0.15, 0.17, 0.2, 0.22, 0.25, 0.27, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55,
      0.6, 0.7, 0.8, 0.9, 1,
    ]);
    expect(LATENCY_BOUNDS_MS.at(-1)).toBe(60_000);
    for (let i = 1; i < LATENCY_BOUNDS_MS.length; i++) {
      const ratio = LATENCY_BOUNDS_MS[i]! / LATENCY_BOUNDS_MS[i - 1]!;
      expect(ratio).toBeGreaterThan(1.05);
      expect(ratio).toBeLessThan(1.18);
    }
    // The limits people write are bounds, so a threshold on them reads exact counts.
    for (const limit of [100, 150, 200, 250, 300, 500, 1000, 2000, 5000]) {
      expect(LATENCY_BOUNDS_MS).toContain(limit);
    }
  });

  it('count a latency in the first bucket whose bound it does not exceed, as `le` does', () => {
    const at = (ms: number) => LATENCY_BOUNDS_MS[latencyBucket(ms)];
    expect(at(1)).toBe(1);
    expect(at(1.0001)).toBe(1.1);
    expect(at(0.05)).toBe(0.1);
    expect(at(200)).toBe(200);
    expect(at(499)).toBe(500);
    expect(latencyBucket(60_000.5)).toBe(LATENCY_BOUNDS_MS.length);
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
    expect(nonZero).toEqual({ 0.5: 1, 3: 2, 3.5: 1, 50: 2, inf: 1 });
    expect(histogram.sumMs).toBeCloseTo(0.5 + 3 + 3 + 47 + 47.5 + 90_000 + 3.3, 6);
    // A window that leaves out the older second leaves out its latency too.
    const recent = stats.window(now - 1000, now).versions['v1']!.histogram;
    expect(recent.counts[LATENCY_BOUNDS_MS.indexOf(3)]).toBe(2);
    expect(recent.counts[LATENCY_BOUNDS_MS.indexOf(3.5)]).toBe(0);
  });
});
