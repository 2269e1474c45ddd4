import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, durationMs, metricHealth, thresholdsFromConfig } from './thresholds';

describe('threshold colouring', () => {
  it("follows seed 000's example: above 95 % green, 90–95 % yellow, below 90 % red", () => {
    const colour = (value: number) => metricHealth('successRate', value, DEFAULT_THRESHOLDS);
    expect(colour(99.5)).toBe('good');
    expect(colour(95)).toBe('good');
    expect(colour(94.9)).toBe('warning');
    expect(colour(90)).toBe('warning');
    expect(colour(89.9)).toBe('bad');
  });

  it('colours limits from above the same way: error rate and latency', () => {
    expect(metricHealth('errorRate', 0.5, DEFAULT_THRESHOLDS)).toBe('good');
    expect(metricHealth('errorRate', 7, DEFAULT_THRESHOLDS)).toBe('warning');
    expect(metricHealth('errorRate', 12.5, DEFAULT_THRESHOLDS)).toBe('bad');
    expect(metricHealth('latencyP99', 156.8, DEFAULT_THRESHOLDS)).toBe('good');
    expect(metricHealth('latencyP99', 240, DEFAULT_THRESHOLDS)).toBe('warning');
    expect(metricHealth('latencyP99', 251, DEFAULT_THRESHOLDS)).toBe('bad');
  });

  it('leaves a metric without threshold or value uncoloured, and never turns low traffic red', () => {
    expect(metricHealth('latencyP50', 45.2, DEFAULT_THRESHOLDS)).toBe('unknown');
    expect(metricHealth('successRate', null, DEFAULT_THRESHOLDS)).toBe('unknown');
    const withRate = { requestRate: { comparator: '>=' as const, value: 10 } };
    expect(metricHealth('requestRate', 0.1, withRate)).toBe('warning');
    expect(metricHealth('requestRate', 1250.5, withRate)).toBe('good');
  });

  it('reads thresholds from a release configuration, manifest style or settings style', () => {
    expect(
      thresholdsFromConfig({
        analysis: {
          successRate: 0.99,
          errorRate: 0.01,
          latencyP99: '300ms',
          latencyP90: '1s',
          requestRate: 5,
        },
      }),
    ).toEqual({
      successRate: { comparator: '>=', value: 99 },
      errorRate: { comparator: '<=', value: 1 },
      latencyP90: { comparator: '<=', value: 1000 },
      latencyP99: { comparator: '<=', value: 300 },
      requestRate: { comparator: '>=', value: 5 },
    });
    expect(
      thresholdsFromConfig({ analysis: { latencyP99Ms: 250, latencyP50Ms: null } }).latencyP99,
    ).toEqual({
      comparator: '<=',
      value: 250,
    });
    expect(thresholdsFromConfig({})).toEqual(DEFAULT_THRESHOLDS);
    expect(thresholdsFromConfig(null)).toEqual(DEFAULT_THRESHOLDS);
  });

  it('reads durations in the units a manifest writes them', () => {
    expect(durationMs('200ms')).toBe(200);
    expect(durationMs('1.5s')).toBe(1500);
    expect(durationMs('2m')).toBe(120_000);
    expect(durationMs(75)).toBe(75);
    expect(durationMs('soon')).toBeNull();
  });
});
