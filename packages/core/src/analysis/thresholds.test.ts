import { describe, expect, it } from 'vitest';
import {
  judgeThresholds,
  nearestRankQuantile,
  summarise,
  type VersionWindow,
} from './thresholds.js';

const window = (over: Partial<VersionWindow> = {}): VersionWindow => ({
  requests: 100,
  errors: 0,
  latenciesMs: [10, 20, 30],
  durationSeconds: 10,
  ...over,
});

const byMetric = (w: VersionWindow, checks: Parameters<typeof judgeThresholds>[1]) =>
  Object.fromEntries(judgeThresholds(w, checks).map((c) => [c.metric, c]));

describe('nearestRankQuantile', () => {
  it('takes the ⌈q·n⌉-th smallest sample', () => {
    const samples = [50, 10, 40, 20, 30];
    expect(nearestRankQuantile(samples, 0.5)).toBe(30); // ⌈2.5⌉ = 3rd
    expect(nearestRankQuantile(samples, 0.4)).toBe(20); // ⌈2⌉ = 2nd, exactly
    expect(nearestRankQuantile(samples, 0.9)).toBe(50); // ⌈4.5⌉ = 5th
    expect(nearestRankQuantile(samples, 0)).toBe(10);
    expect(nearestRankQuantile(samples, 1)).toBe(50);
  });

  it('gives p99 of 1..100 as 99 and of 1..1000 as 990', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    const thousand = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(nearestRankQuantile(hundred, 0.99)).toBe(99);
    expect(nearestRankQuantile(hundred, 0.5)).toBe(50);
    expect(nearestRankQuantile(thousand, 0.99)).toBe(990);
  });

  it('is null without samples', () => {
    expect(nearestRankQuantile([], 0.5)).toBeNull();
  });
});

describe('summarise', () => {
  it('reports rates in percent and latencies in ms, as the metrics API', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarise(window({ errors: 5, latenciesMs: hundred }))).toEqual({
      successRate: 95,
      errorRate: 5,
      latencyP50: 50,
      latencyP90: 90,
      latencyP99: 99,
      requestRate: 10,
    });
  });

  it('is null where the window has no data', () => {
    expect(summarise({ requests: 0, errors: 0, latenciesMs: [], durationSeconds: 0 })).toEqual({
      successRate: null,
      errorRate: null,
      latencyP50: null,
      latencyP90: null,
      latencyP99: null,
      requestRate: null,
    });
  });
});

describe('judgeThresholds', () => {
  it("checks seed 000's defaults: success ≥ 95 %, errors ≤ 5 %, p99 ≤ 200 ms", () => {
    const results = judgeThresholds(window(), { minRequests: 10 });
    expect(results.map((r) => [r.metric, r.comparator, r.threshold])).toEqual([
      ['successRate', '>=', 0.95],
      ['errorRate', '<=', 0.05],
      ['latencyP99', '<=', 200],
    ]);
    expect(results.every((r) => r.verdict === 'pass')).toBe(true);
  });

  it('passes exactly at the boundary and fails one step beyond', () => {
    const at = byMetric(window({ errors: 5, latenciesMs: [200] }), { minRequests: 10 });
    expect(at.successRate).toMatchObject({ value: 0.95, verdict: 'pass' });
    expect(at.errorRate).toMatchObject({ value: 0.05, verdict: 'pass' });
    expect(at.latencyP99).toMatchObject({ value: 200, verdict: 'pass' });

    const beyond = byMetric(window({ errors: 6, latenciesMs: [200.5] }), { minRequests: 10 });
    expect(beyond.successRate).toMatchObject({ value: 0.94, verdict: 'fail' });
    expect(beyond.errorRate).toMatchObject({ value: 0.06, verdict: 'fail' });
    expect(beyond.latencyP99).toMatchObject({ value: 200.5, verdict: 'fail' });
  });

  it('says why in a sentence', () => {
    const w = window({ requests: 412, errors: 40, latenciesMs: [250] });
    const results = byMetric(w, { minRequests: 10 });
    expect(results.errorRate?.evidence).toBe('error rate 9.71 % > 5 % (412 requests)');
    expect(results.successRate?.evidence).toBe('success rate 90.29 % < 95 % (412 requests)');
    expect(results.latencyP99?.evidence).toBe('p99 latency 250 ms > 200 ms (412 requests)');
    const ok = byMetric(window(), { minRequests: 10 });
    expect(ok.errorRate?.evidence).toBe('error rate 0 % ≤ 5 % (100 requests)');
  });

  it('checks optional latencies and request rate only when asked', () => {
    const w = window({ latenciesMs: [10, 20, 30, 40, 500], requests: 50, durationSeconds: 10 });
    const results = byMetric(w, {
      minRequests: 10,
      latencyP50MaxMs: 30,
      latencyP90MaxMs: 100,
      latencyP99MaxMs: 1000,
      requestRateMin: 5,
    });
    expect(results.latencyP50).toMatchObject({ value: 30, verdict: 'pass' });
    expect(results.latencyP90).toMatchObject({ value: 500, verdict: 'fail' });
    expect(results.latencyP99).toMatchObject({ value: 500, verdict: 'pass' });
    expect(results.requestRate).toMatchObject({ value: 5, comparator: '>=', verdict: 'pass' });
  });

  it('is inconclusive with fewer requests than minRequests, whatever the rates', () => {
    const results = judgeThresholds(window({ requests: 9, errors: 9 }), { minRequests: 10 });
    expect(results.every((r) => r.verdict === 'inconclusive')).toBe(true);
    expect(results[0]?.evidence).toBe(
      'only 9 requests, fewer than the 10 needed to judge success rate',
    );
    const enough = byMetric(window({ requests: 10, errors: 9 }), { minRequests: 10 });
    expect(enough.errorRate?.verdict).toBe('fail');
  });

  it('is inconclusive on a metric without data', () => {
    const results = byMetric(window({ latenciesMs: [] }), { minRequests: 10 });
    expect(results.latencyP99).toMatchObject({ value: null, verdict: 'inconclusive' });
    expect(results.errorRate?.verdict).toBe('pass');
  });
});
