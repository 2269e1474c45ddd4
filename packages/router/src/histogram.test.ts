import { describe, expect, it } from 'vitest';
import { bucketOf, bucketValue, BUCKET_COUNT, LatencyHistogram } from './histogram.js';
import { RouterStats } from './stats.js';

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

describe('latency histogram', () => {
  it('keeps every bucket within 1 % from 0.01 ms to 60 s', () => {
    for (let ms = 0.01; ms <= 60_000; ms *= 1.0037) {
      const value = bucketValue(bucketOf(ms));
      expect(Math.abs(value - ms) / ms).toBeLessThan(0.01);
    }
    expect(bucketOf(120_000)).toBe(BUCKET_COUNT - 1);
  });

  it.each([
    ['uniform 0.05–50 ms', (r: () => number) => 0.05 + r() * 50],
    [
      'log-normal around 2 ms',
      (r: () => number) => Math.exp(Math.log(2) + (r() + r() + r() - 1.5) * 2),
    ],
    ['exponential, mean 5 ms', (r: () => number) => -5 * Math.log(1 - r())],
  ])('reports percentiles within 1 %% on %s', (_name, draw) => {
    const random = seeded(42);
    const histogram = new LatencyHistogram();
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const value = Math.max(0.01, draw(random));
      values.push(value);
      histogram.record(value);
    }
    values.sort((a, b) => a - b);
    for (const p of [50, 90, 99, 99.9]) {
      const exact = exactPercentile(values, p);
      expect(Math.abs(histogram.percentile(p) - exact) / exact).toBeLessThan(0.01);
    }
    expect(histogram.max).toBe(values.at(-1));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(histogram.summary().mean).toBeCloseTo(mean, 6);
  });
});

describe('router stats', () => {
  it('aggregates windows by whole second', () => {
    let now = 1_000_000;
    const stats = new RouterStats({ now: () => now });
    const canary = stats.forVersion('canary');
    canary.record(200, 1, 10, 1_000_500);
    canary.record(503, 2, 20, 1_001_200);
    canary.record(0, 3, 30, 1_001_900);
    canary.record(404, 4, 40, 1_002_700);
    canary.recordAborted(1_001_100);
    const middle = stats.window(1_001_000, 1_002_000).versions['canary']!;
    expect(middle).toMatchObject({
      requests: 2,
      errors: 1,
      aborted: 1,
      status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 2 },
      errorRate: 1,
      bytes: 50,
      requestRate: 2,
    });
    expect(middle.latency.max).toBe(3);
    const all = stats.window(1_000_000, 1_003_000).versions['canary']!;
    expect(all.requests).toBe(4);
    expect(all.status).toEqual({ '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 2 });
    expect(all.requestRate).toBeCloseTo(4 / 3);
    expect(stats.window(1_003_000, 1_004_000).versions['canary']).toBeUndefined();
    now = 1_000_000 + 700_000;
    canary.record(200, 1, 1, now);
    // The ring holds 600 s: the old seconds were overwritten or fall outside it.
    expect(stats.window(1_000_000, now + 1).versions['canary']!.requests).toBe(1);
  });

  it('caps the window reservoir and samples it across seconds', () => {
    const stats = new RouterStats({
      samplesPerSecond: 1000,
      samplesPerWindow: 5000,
      random: seeded(7),
      now: () => 5_010_000,
    });
    const stable = stats.forVersion('stable');
    for (let second = 0; second < 10; second++) {
      for (let i = 0; i < 2000; i++)
        stable.record(200, second + 1, 0, 5_000_000 + second * 1000 + (i % 1000));
    }
    const window = stats.window(5_000_000, 5_010_000, true).versions['stable']!;
    expect(window.requests).toBe(20_000);
    expect(window.samples).toHaveLength(5000);
    // Each second contributes its share: 500 samples with latency = second + 1.
    for (let second = 1; second <= 10; second++) {
      expect(window.samples!.filter((v) => v === second)).toHaveLength(500);
    }
    const small = stats.window(5_000_000, 5_001_000, true).versions['stable']!;
    expect(small.samples).toHaveLength(1000);
  });
});
