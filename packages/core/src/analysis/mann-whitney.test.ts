import { describe, expect, it } from 'vitest';
import { mannWhitneyU } from './mann-whitney.js';
import { logNormalSamples, mulberry32 } from './test-support/random.js';

describe('mannWhitneyU on small hand-computed samples', () => {
  it('counts every pair when the canary is always slower', () => {
    // U = 6 of 6 pairs; Var = 3·2·6/12 = 3; z = (6 − 3 − ½)/√3 = 1.4434; p = 1 − Φ(z).
    const r = mannWhitneyU([3, 4, 5], [1, 2], { alpha: 0.05, minSamples: 1 });
    expect(r.u).toBe(6);
    expect(r.z).toBeCloseTo(2.5 / Math.sqrt(3), 10);
    expect(r.pValue).toBeCloseTo(0.07445733658938286, 6);
    expect(r.effectSize).toBe(1);
    expect(r.shiftEstimate).toBe(2.5); // differences 1,2,2,3,3,4 → median 2.5
  });

  it('shares ranks between ties and shrinks the variance for them', () => {
    // Ranks: 1 → 1; 2,2 → 2.5; 3,3,3 → 5. Canary ranks 2.5 + 5 + 5 = 12.5, U = 12.5 − 6 = 6.5.
    // Var = 9/12 · (7 − (6 + 24)/(6·5)) = 4.5; z = (6.5 − 4.5 − ½)/√4.5 = 0.7071.
    const r = mannWhitneyU([2, 3, 3], [1, 2, 3], { alpha: 0.05, minSamples: 1 });
    expect(r.u).toBe(6.5);
    expect(r.z).toBeCloseTo(1.5 / Math.sqrt(4.5), 10);
    expect(r.pValue).toBeCloseTo(0.23975006109347669, 6);
    expect(r.effectSize).toBeCloseTo(4 / 9, 10);
    expect(r.shiftEstimate).toBe(1); // −1,0,0,0,1,1,1,2,2 → 1
  });

  it('estimates the shift and its interval from the ordered pairwise differences', () => {
    const canary = [12, 15, 11, 18, 20, 14];
    const baseline = [10, 9, 13, 8, 11, 12];
    // Ties at 11 and 12: Var = 36/12 · (13 − 12/132) = 38.727; U = 32; z = 13.5/6.2231.
    const r = mannWhitneyU(canary, baseline, { alpha: 0.05, minSamples: 5 });
    expect(r.u).toBe(32);
    expect(r.pValue).toBeCloseTo(0.015028878465340019, 6);
    expect(r.shiftEstimate).toBe(4);
    // C = round(18 − 1.6449·6.2231) = 8: the 8th and 29th of the 36 ordered differences.
    expect(r.confidenceInterval).toEqual([1, 8]);
    expect(r.confidenceLevel).toBeCloseTo(0.9, 10);
    expect(r.verdict).toBe('fail');
    expect(r.evidence).toBe(
      'canary latency is higher: shift 4 ms (90 % CI 1 ms to 8 ms), p = 0.015, 6 vs 6 samples',
    );
  });

  it('is symmetric: swapping the sides mirrors every statistic', () => {
    const a = [12, 15, 11, 18, 20, 14, 30];
    const b = [10, 9, 13, 8, 11, 12];
    const ab = mannWhitneyU(a, b, { alpha: 0.05 });
    const ba = mannWhitneyU(b, a, { alpha: 0.05 });
    expect(ab.u + ba.u).toBe(a.length * b.length);
    expect(ab.effectSize).toBeCloseTo(-ba.effectSize, 12);
    expect(ab.shiftEstimate).toBe(-(ba.shiftEstimate ?? 0));
    expect(ab.confidenceInterval?.[0]).toBe(-(ba.confidenceInterval?.[1] ?? 0));
    // The continuity correction moves both z values by ½/sd; ties at 11 and 12 give sd.
    const sd = Math.sqrt((42 / 12) * (14 - 12 / (13 * 12)));
    expect(ab.z + ba.z).toBeCloseTo(-1 / sd, 10);
  });

  it('finds no difference between identical samples', () => {
    const same = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    const r = mannWhitneyU(same, [...same].reverse(), { alpha: 0.05 });
    expect(r.u).toBe(50);
    expect(r.effectSize).toBe(0);
    expect(r.shiftEstimate).toBe(0);
    expect(r.verdict).toBe('pass');
  });

  it('has no evidence when every value is tied', () => {
    const r = mannWhitneyU([7, 7, 7], [7, 7], { alpha: 0.05, minSamples: 1 });
    expect(r).toMatchObject({ u: 3, z: 0, pValue: 1, shiftEstimate: 0, verdict: 'pass' });
  });

  it('is inconclusive without enough samples', () => {
    expect(mannWhitneyU([], [1, 2], { alpha: 0.05 })).toMatchObject({
      verdict: 'inconclusive',
      shiftEstimate: null,
      confidenceInterval: null,
      evidence: 'no latency samples on the canary',
    });
    expect(mannWhitneyU([1, 2, 3], [1, 2], { alpha: 0.05 }).verdict).toBe('inconclusive');
  });
});

describe('mannWhitneyU on simulated latencies', () => {
  const random = mulberry32(7);
  const baseline = logNormalSamples(random, 300, 100, 0.3);
  const options = { alpha: 0.01, minShiftMs: 20 };

  it('catches +50 ms on a 100 ms median', () => {
    const slower = logNormalSamples(random, 300, 100, 0.3).map((x) => x + 50);
    const r = mannWhitneyU(slower, baseline, options);
    expect(r.verdict).toBe('fail');
    expect(r.pValue).toBeLessThan(1e-10);
    expect(r.shiftEstimate).toBeGreaterThan(40);
    expect(r.shiftEstimate).toBeLessThan(60);
    expect(r.confidenceInterval?.[0]).toBeLessThan(50);
    expect(r.confidenceInterval?.[1]).toBeGreaterThan(50);
  });

  it('does not fail the same distribution', () => {
    const same = logNormalSamples(random, 300, 100, 0.3);
    const r = mannWhitneyU(same, baseline, options);
    expect(r.verdict).toBe('pass');
    expect(Math.abs(r.shiftEstimate ?? Infinity)).toBeLessThan(10);
  });

  it('does not fail a significant shift smaller than minShiftMs', () => {
    const big = logNormalSamples(random, 5000, 100, 0.3);
    const slightly = logNormalSamples(random, 5000, 100, 0.3).map((x) => x + 8);
    const r = mannWhitneyU(slightly, big, { ...options, random: mulberry32(1) });
    expect(r.pValue).toBeLessThan(0.01);
    expect(r.verdict).toBe('pass');
    expect(r.evidence).toMatch(/^canary latency within the 20 ms allowed/);
  });

  it('estimates the shift on a reproducible subsample of very many pairs', () => {
    const canary = logNormalSamples(random, 1000, 100, 0.3).map((x) => x + 30);
    const run = () =>
      mannWhitneyU(canary, baseline, { ...options, random: mulberry32(3), maxPairs: 50_000 });
    const full = mannWhitneyU(canary, baseline, { ...options, maxPairs: 1_000_000 });
    expect(run().subsampled).toBe(true);
    expect(full.subsampled).toBe(false);
    expect(run().shiftEstimate).toBe(run().shiftEstimate);
    expect(Math.abs((run().shiftEstimate ?? 0) - (full.shiftEstimate ?? 0))).toBeLessThan(2);
    expect(run().u).toBe(full.u);
  });
});
