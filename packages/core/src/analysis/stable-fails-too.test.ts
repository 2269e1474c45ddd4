import { describe, expect, it } from 'vitest';
import { judgeStep, type StepInput } from './judge.js';
import {
  STABLE_FAILS_TOO,
  weighAgainstStable,
  type StableFailsPolicy,
} from './stable-fails-too.js';
import { judgeThresholds, type Verdict, type VersionWindow } from './thresholds.js';

/** Buckets (0,100], (100,200], (200,500], (500,1000] and above. */
const bounds = [100, 200, 500, 1000];
/** A window of fast answers (all in (0,100]) or slow ones (all in (500,1000]: p99 995 ms). */
const window = (requests: number, errors: number, slow: 'fast' | 'slow'): VersionWindow => ({
  requests,
  errors,
  latency: {
    bounds,
    counts: slow === 'slow' ? [0, 0, 0, requests, 0] : [requests, 0, 0, 0, 0],
  },
  durationSeconds: 10,
});
const limits = { minRequests: 20, latencyP99MaxMs: 500 };

describe('weighAgainstStable', () => {
  const cases: {
    name: string;
    canary: VersionWindow;
    stable: VersionWindow | null;
    policy: StableFailsPolicy;
    counted: string[];
    paused: string[];
    marked: string[];
  }[] = [
    {
      name: 'the canary alone is slow: its failure counts',
      canary: window(100, 0, 'slow'),
      stable: window(400, 0, 'fast'),
      policy: 'pause',
      counted: ['latencyP99'],
      paused: [],
      marked: [],
    },
    {
      name: 'both slow, pause: set aside, and the look asks a person',
      canary: window(100, 0, 'slow'),
      stable: window(400, 0, 'slow'),
      policy: 'pause',
      counted: [],
      paused: ['latencyP99'],
      marked: ['latencyP99'],
    },
    {
      name: 'both slow, baselineOnly: set aside, the comparison decides',
      canary: window(100, 0, 'slow'),
      stable: window(400, 0, 'slow'),
      policy: 'baselineOnly',
      counted: [],
      paused: [],
      marked: ['latencyP99'],
    },
    {
      name: 'both slow, fail: counted as before, and said',
      canary: window(100, 0, 'slow'),
      stable: window(400, 0, 'slow'),
      policy: 'fail',
      counted: ['latencyP99'],
      paused: [],
      marked: ['latencyP99'],
    },
    {
      name: 'the stable version has too few requests to judge: the canary alone failed',
      canary: window(100, 0, 'slow'),
      stable: window(5, 0, 'slow'),
      policy: 'pause',
      counted: ['latencyP99'],
      paused: [],
      marked: [],
    },
    {
      name: 'no stable version: the canary alone failed',
      canary: window(100, 0, 'slow'),
      stable: null,
      policy: 'baselineOnly',
      counted: ['latencyP99'],
      paused: [],
      marked: [],
    },
    {
      name: 'both fail errors, the canary alone is slow: only the latency counts',
      canary: window(100, 20, 'slow'),
      stable: window(400, 80, 'fast'),
      policy: 'pause',
      counted: ['latencyP99'],
      paused: ['successRate', 'errorRate'],
      marked: ['successRate', 'errorRate'],
    },
    {
      name: 'the canary passes what the stable version fails: nothing to weigh',
      canary: window(100, 0, 'fast'),
      stable: window(400, 80, 'slow'),
      policy: 'pause',
      counted: [],
      paused: [],
      marked: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const stable = c.stable === null ? null : judgeThresholds(c.stable, limits);
      const weighed = weighAgainstStable(judgeThresholds(c.canary, limits), stable, {
        successRate: c.policy,
        errorRate: c.policy,
        latencyP99: c.policy,
      });
      expect(weighed.failed.map((x) => x.metric)).toEqual(c.counted);
      expect(weighed.paused.map((x) => x.metric)).toEqual(c.paused);
      const marked = weighed.checks.filter((x) => x.stableFailsToo !== undefined);
      expect(marked.map((x) => x.metric)).toEqual(c.marked);
      for (const check of marked) {
        // The canary's check keeps its verdict: it did fail; only what it means changed.
        expect(check.verdict).toBe('fail');
        expect(check.stableFailsToo).toMatchObject({ code: STABLE_FAILS_TOO, policy: c.policy });
        expect(check.stableFailsToo?.evidence).toMatch(/^the stable version fails this too: /);
      }
    });
  }

  it('takes pause for a metric without a policy', () => {
    const weighed = weighAgainstStable(
      judgeThresholds(window(100, 0, 'slow'), limits),
      judgeThresholds(window(400, 0, 'slow'), limits),
    );
    expect(weighed.paused.map((x) => x.metric)).toEqual(['latencyP99']);
  });
});

describe('judgeStep when the stable version fails a threshold too', () => {
  const input = (over: Partial<StepInput>): StepInput => ({
    canary: window(100, 0, 'slow'),
    baseline: window(400, 0, 'slow'),
    stable: window(400, 0, 'slow'),
    thresholds: limits,
    comparison: { alpha: 0.01, minErrorIncrease: 0.02, minLatencyShiftMs: 25 },
    failureLimit: 0,
    failuresSoFar: 0,
    ...over,
  });
  const cases: {
    name: string;
    over: Partial<StepInput>;
    verdict: Verdict;
    failures: number;
    pause: RegExp | null;
    reason: RegExp | null;
    withoutStable?: true;
  }[] = [
    {
      name: 'pause: inconclusive, no failure counted, a person is asked and told why',
      over: { whenStableFailsToo: { latencyP99: 'pause' } },
      verdict: 'inconclusive',
      failures: 0,
      pause:
        /^p99 latency 995 ms > 500 ms \(100 requests\), and the stable version fails this too: p99 latency 995 ms > 500 ms \(400 requests\)$/,
      reason: /the stable version fails this too/,
    },
    {
      name: 'baselineOnly: the canary is no worse than the stable version, so the look passes',
      over: { whenStableFailsToo: { latencyP99: 'baselineOnly' } },
      verdict: 'pass',
      failures: 0,
      pause: null,
      reason: null,
    },
    {
      name: 'baselineOnly: a canary worse than the stable version still fails on the comparison',
      over: {
        canary: window(1000, 100, 'slow'),
        whenStableFailsToo: { latencyP99: 'baselineOnly' },
        thresholds: { ...limits, errorRateMax: 0.5, successRateMin: 0.5 },
      },
      verdict: 'fail',
      failures: 1,
      pause: null,
      reason: /^canary error rate 10 %/,
    },
    {
      name: 'fail: the look fails as it did before the policy, saying the stable fails too',
      over: { whenStableFailsToo: { latencyP99: 'fail' } },
      verdict: 'fail',
      failures: 1,
      pause: null,
      reason: /^p99 latency 995 ms > 500 ms .*, and the stable version fails this too: /,
    },
    {
      name: 'no stable window given: the threshold counts as it always did',
      over: { whenStableFailsToo: { latencyP99: 'pause' } },
      withoutStable: true,
      verdict: 'fail',
      failures: 1,
      pause: null,
      reason: /^p99 latency 995 ms > 500 ms \(100 requests\) \(failed 1 look, limit 0\)$/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const given = input(c.over);
      if (c.withoutStable === true) delete given.stable;
      const r = judgeStep(given);
      expect(r.verdict).toBe(c.verdict);
      expect(r.failures).toBe(c.failures);
      if (c.pause === null) expect(r.pause).toBeNull();
      else expect(r.pause).toMatch(c.pause);
      if (c.reason === null) expect(r.reason).toBeNull();
      else expect(r.reason).toMatch(c.reason);
    });
  }
});
