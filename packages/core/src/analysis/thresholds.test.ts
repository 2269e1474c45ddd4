import { describe, expect, it } from 'vitest';
import { judgeThresholds, summarise, type VersionWindow } from './thresholds.js';

/** A histogram with buckets (0,100], (100,200], (200,300] and above, holding `counts`. */
const buckets = (...counts: number[]) => ({ bounds: [100, 200, 300], counts });

const window = (over: Partial<VersionWindow> = {}): VersionWindow => ({
  requests: 100,
  errors: 0,
  latency: buckets(100, 0, 0, 0),
  durationSeconds: 10,
  ...over,
});

const byMetric = (w: VersionWindow, checks: Parameters<typeof judgeThresholds>[1]) =>
  Object.fromEntries(judgeThresholds(w, checks).map((c) => [c.metric, c]));

describe('summarise', () => {
  it('reports rates in percent and latencies in ms, read from the histogram', () => {
    // 100 latencies: 50 in (0,100], 40 in (100,200], 10 in (200,300]. Each quantile is
    // interpolated inside its bucket, as histogram_quantile does.
    expect(summarise(window({ errors: 5, latency: buckets(50, 40, 10, 0) }))).toEqual({
      successRate: 95,
      errorRate: 5,
      latencyP50: 100,
      latencyP90: 200,
      latencyP99: 290,
      requestRate: 10,
    });
  });

  it('is null where the window has no data', () => {
    expect(
      summarise({ requests: 0, errors: 0, latency: buckets(0, 0, 0, 0), durationSeconds: 0 }),
    ).toEqual({
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
    // The 99th of 100 latencies is the last of the 98 in (100,200]: p99 is that bucket's top.
    const at = byMetric(window({ errors: 5, latency: buckets(1, 98, 1, 0) }), { minRequests: 10 });
    expect(at.successRate).toMatchObject({ value: 0.95, verdict: 'pass' });
    expect(at.errorRate).toMatchObject({ value: 0.05, verdict: 'pass' });
    expect(at.latencyP99).toMatchObject({ value: 200, verdict: 'pass' });
    // One more in (200,300]: the 99th is the first of two there, half-way up the bucket.
    const slow = buckets(1, 97, 2, 0);
    const beyond = byMetric(window({ errors: 6, latency: slow }), { minRequests: 10 });
    expect(beyond.successRate).toMatchObject({ value: 0.94, verdict: 'fail' });
    expect(beyond.errorRate).toMatchObject({ value: 0.06, verdict: 'fail' });
    expect(beyond.latencyP99).toMatchObject({ value: 250, verdict: 'fail' });
  });

  it('says why in a sentence', () => {
    // 412 latencies in (200,300]: p99 at 200 + 100·(0.99·412)/412 = 299.
    const w = window({ requests: 412, errors: 40, latency: buckets(0, 0, 412, 0) });
    const results = byMetric(w, { minRequests: 10 });
    expect(results.errorRate?.evidence).toBe('error rate 9.71 % > 5 % (412 requests)');
    expect(results.successRate?.evidence).toBe('success rate 90.29 % < 95 % (412 requests)');
    expect(results.latencyP99?.evidence).toBe('p99 latency 299 ms > 200 ms (412 requests)');
    const ok = byMetric(window(), { minRequests: 10 });
    expect(ok.errorRate?.evidence).toBe('error rate 0 % ≤ 5 % (100 requests)');
  });

  it('checks optional latencies and request rate only when asked', () => {
    // 40 latencies in (0,100], 10 above 300: p90 and p99 answer the highest bound, 300.
    const w = window({ latency: buckets(40, 0, 0, 10), requests: 50, durationSeconds: 10 });
    const results = byMetric(w, {
      minRequests: 10,
      latencyP50MaxMs: 80,
      latencyP90MaxMs: 100,
      latencyP99MaxMs: 1000,
      requestRateMin: 5,
    });
    expect(results.latencyP50).toMatchObject({ value: 62.5, verdict: 'pass' });
    expect(results.latencyP90).toMatchObject({ value: 300, verdict: 'fail' });
    expect(results.latencyP99).toMatchObject({ value: 300, verdict: 'pass' });
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
    const results = byMetric(window({ latency: buckets(0, 0, 0, 0) }), { minRequests: 10 });
    expect(results.latencyP99).toMatchObject({ value: null, verdict: 'inconclusive' });
    expect(results.errorRate?.verdict).toBe('pass');
  });
});
