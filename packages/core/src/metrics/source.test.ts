import { describe, expect, it } from 'vitest';
import { histogramCount, histogramQuantile, mergeHistograms } from './source.js';

const bounds = [10, 50, 100, 500];

describe('histogramQuantile', () => {
  it('interpolates inside the bucket the rank falls in, as histogram_quantile does', () => {
    // 100 latencies: 50 in (0,10], 40 in (10,50], 10 in (50,100]
    const h = { bounds, counts: [50, 40, 10, 0, 0] };
    expect(histogramQuantile(h, 0.5)).toBe(10);
    expect(histogramQuantile(h, 0.7)).toBeCloseTo(10 + 40 * (20 / 40));
    expect(histogramQuantile(h, 0.99)).toBeCloseTo(50 + 50 * (9 / 10));
    expect(histogramQuantile(h, 0.25)).toBeCloseTo(5);
  });

  it('answers the highest bound for a quantile in the overflow bucket, NaN when empty', () => {
    expect(histogramQuantile({ bounds, counts: [0, 0, 0, 1, 9] }, 0.99)).toBe(500);
    expect(histogramQuantile({ bounds, counts: [0, 0, 0, 0, 0] }, 0.5)).toBeNaN();
  });
});

describe('mergeHistograms', () => {
  it('adds counts and sums of histograms with the same bounds', () => {
    const merged = mergeHistograms([
      { bounds, counts: [1, 2, 3, 4, 5], sumMs: 100 },
      { bounds, counts: [5, 4, 3, 2, 1], sumMs: 50 },
    ]);
    expect(merged.counts).toEqual([6, 6, 6, 6, 6]);
    expect(merged.sumMs).toBe(150);
    expect(histogramCount(merged)).toBe(30);
  });

  it('refuses histograms with different bounds', () => {
    expect(() =>
      mergeHistograms([
        { bounds, counts: [0, 0, 0, 0, 0] },
        { bounds: [1, 2], counts: [0, 0, 0] },
      ]),
    ).toThrow(/different bounds/);
  });
});
