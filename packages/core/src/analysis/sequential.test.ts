import { describe, expect, it } from 'vitest';
import { initialErrorTest, updateErrorTest, type SequentialErrorTest } from './sequential.js';
import { mulberry32 } from './test-support/random.js';
import { addTraffic, type Tally } from './test-support/traffic.js';

const fresh = () => initialErrorTest({ alpha: 0.01, minEffect: 0.02 });
const look = (canary: Tally, baseline: Tally, state: SequentialErrorTest = fresh()) =>
  updateErrorTest(state, { canary, baseline });

describe('updateErrorTest', () => {
  it('starts undecided and validates its options', () => {
    expect(fresh()).toEqual({ alpha: 0.01, minEffect: 0.02, looks: 0, decision: 'continue' });
    expect(() => initialErrorTest({ alpha: 0, minEffect: 0.02 })).toThrow(RangeError);
    expect(() => initialErrorTest({ alpha: 0.01, minEffect: 1 })).toThrow(RangeError);
  });

  it('cannot tell anything before requests or errors', () => {
    const none = look({ requests: 0, errors: 0 }, { requests: 0, errors: 0 });
    expect(none).toMatchObject({ decision: 'continue', statistic: 0, upperBound: null });
    expect(none.evidence).toBe('no requests yet on one of the versions');
    const clean = look({ requests: 100, errors: 0 }, { requests: 100, errors: 0 });
    expect(clean).toMatchObject({ decision: 'continue', statistic: 0 });
  });

  it('computes the log mixture likelihood ratio against ln(1/alpha)', () => {
    // Reference values from the closed form, evaluated independently.
    const near = look({ requests: 1000, errors: 30 }, { requests: 1000, errors: 10 });
    expect(near.statistic).toBeCloseTo(4.130524911793967, 6);
    expect(near.boundary).toBeCloseTo(Math.log(100), 12);
    expect(near.decision).toBe('continue');
    const far = look({ requests: 750, errors: 45 }, { requests: 750, errors: 8 });
    expect(far.statistic).toBeCloseTo(10.759087473683472, 6);
    expect(far.decision).toBe('fail');
    expect(far.evidence).toBe(
      'canary error rate 6 % (750 requests) vs baseline 1.07 % (750 requests): ' +
        'significantly worse (log-likelihood ratio 10.76 ≥ 4.61)',
    );
  });

  it('keeps a failure once found, and counts looks', () => {
    const failed = look({ requests: 750, errors: 45 }, { requests: 750, errors: 8 });
    const later = look(
      { requests: 7500, errors: 50 },
      { requests: 7500, errors: 80 },
      failed.state,
    );
    expect(later.decision).toBe('fail');
    expect(later.state.looks).toBe(2);
    expect(later.evidence).toMatch(/significantly worse, as an earlier look already found/);
  });

  it('passes when the always-valid bound rules out an increase of minEffect', () => {
    const r = look({ requests: 6000, errors: 60 }, { requests: 6000, errors: 60 });
    expect(r.upperBound).toBeCloseTo(0.006879393831062538, 10);
    expect(r.decision).toBe('pass');
    expect(r.evidence).toBe(
      'canary error rate 1 % (6000 requests) vs baseline 1 % (6000 requests): ' +
        'not worse by 2 %, increase at most 0.69 %',
    );
  });

  it('never fails a canary that is better', () => {
    const r = look({ requests: 5000, errors: 5 }, { requests: 5000, errors: 400 });
    expect(r.statistic).toBeLessThan(0);
    expect(r.decision).toBe('pass');
  });
});

/** Runs one trial; returns the second of traffic at which the test failed, or null. */
function trial(
  random: () => number,
  rates: { canary: number; baseline: number },
  perLook: number,
  looks: number,
): number | null {
  let state = fresh();
  let canary: Tally = { requests: 0, errors: 0 };
  let baseline: Tally = { requests: 0, errors: 0 };
  for (let i = 1; i <= looks; i++) {
    canary = addTraffic(random, canary, perLook, rates.canary);
    baseline = addTraffic(random, baseline, perLook, rates.baseline);
    const update = updateErrorTest(state, { canary, baseline });
    if (update.decision === 'fail') return i;
    state = update.state;
  }
  return null;
}

describe('updateErrorTest over many simulated canaries', () => {
  it('raises a false alarm in at most 1 % of A/A runs despite 24 looks', () => {
    // 1 % errors on both sides, 50 req/s each, a look every 5 s for 2 minutes.
    const random = mulberry32(2024);
    const trials = 2000;
    let alarms = 0;
    for (let t = 0; t < trials; t++) {
      if (trial(random, { canary: 0.01, baseline: 0.01 }, 250, 24) !== null) alarms++;
    }
    // Measured 0.15 %; alpha is 1 %, so half of it leaves a margin for the seed.
    expect(alarms / trials).toBeLessThanOrEqual(0.005);
  });

  it('catches 1 % → 6 % errors within 15 s of traffic in at least 95 % of runs', () => {
    // 50 req/s per side, a look every second.
    const random = mulberry32(99);
    const trials = 1000;
    const seconds = Array.from(
      { length: trials },
      () => trial(random, { canary: 0.06, baseline: 0.01 }, 50, 30) ?? Infinity,
    ).sort((a, b) => a - b);
    const caught = seconds.filter((s) => s <= 15).length / trials;
    // Measured 98.5 %, median 7 s, 95th percentile 13 s.
    expect(caught).toBeGreaterThanOrEqual(0.97);
    expect(seconds[trials / 2]).toBeLessThanOrEqual(10);
  });
});
