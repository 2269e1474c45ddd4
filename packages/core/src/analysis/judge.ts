import { mannWhitneyBinned } from './binned-mann-whitney.js';
import type { MannWhitneyResult } from './mann-whitney.js';
import {
  initialErrorTest,
  updateErrorTest,
  type ErrorTestUpdate,
  type SequentialErrorTest,
} from './sequential.js';
import {
  stableFailsTooEvidence,
  weighAgainstStable,
  type StableFailsPolicies,
} from './stable-fails-too.js';
import {
  judgeThresholds,
  type CheckResult,
  type ThresholdChecks,
  type Verdict,
  type VersionWindow,
} from './thresholds.js';

/** How the canary is compared with the baseline beyond fixed thresholds. */
export interface ComparisonOptions {
  /** False-alarm bound of each comparison (0.01 suits canaries). */
  alpha: number;
  /** Absolute error-rate increase worth catching (0.02 = two points). */
  minErrorIncrease: number;
  /** Median latency increase, in ms, worth failing for. */
  minLatencyShiftMs: number;
}

/** Everything one look at a canary step needs; plain data, no I/O. */
export interface StepInput {
  /** The canary's window, cumulative since the step began. */
  canary: VersionWindow;
  /**
   * The canary's most recent window, for the threshold checks: a fault that starts in the
   * middle of a long step is not diluted by the healthy minutes before it. The thresholds
   * read `canary` when absent; the baseline comparison always reads the cumulative windows.
   */
  recent?: VersionWindow;
  /** The stable version over the same time, cumulative likewise; null when there is none. */
  baseline: VersionWindow | null;
  /**
   * The stable version over the window the thresholds read (`recent`, or else `canary`), so a
   * threshold the stable version fails too is not blamed on the canary. Absent: not weighed.
   */
  stable?: VersionWindow;
  /** What a threshold the stable version fails too means, per metric; `pause` when absent. */
  whenStableFailsToo?: StableFailsPolicies;
  thresholds: ThresholdChecks;
  /** Compare against the baseline when present (and a baseline exists). */
  comparison?: ComparisonOptions;
  /** The error test as the previous look left it; a fresh one is started when absent. */
  errorTest?: SequentialErrorTest;
  /** Failed looks tolerated in the step; the step fails on the next one. */
  failureLimit: number;
  /** Failed looks earlier in this step. */
  failuresSoFar: number;
}

/** The canary held against the baseline: error rate sequentially, latency by ranks of buckets. */
export interface StepComparison {
  errorTest: ErrorTestUpdate;
  latency: MannWhitneyResult;
}

/** The step's verdict at this look and the evidence behind it. */
export interface StepJudgement {
  verdict: Verdict;
  /** Failed looks in this step, this one included. */
  failures: number;
  /** Why the step failed or could not be judged, fit for `status.reason`; null on a pass. */
  reason: string | null;
  checks: CheckResult[];
  comparison: StepComparison | null;
  /** The error test to hand to the next look; null when nothing was compared. */
  errorTest: SequentialErrorTest | null;
  /**
   * Why a person should look: thresholds failed by the canary and the stable version alike,
   * under the `pause` policy, and nothing the canary failed alone. Null otherwise.
   */
  pause: string | null;
}

/**
 * Judges one analysis look of a canary step.
 *
 * - A look fails when a threshold check, the error-rate test or the latency test fails. The
 *   step fails once the failed looks exceed `failureLimit`, whatever failed them; a failed look
 *   within the limit makes the step inconclusive (keep watching), never a pass.
 * - The sequential error test's 'fail' is final, so once it fails every later look fails too:
 *   with `failureLimit` n the step fails n looks later. Its false-alarm rate is already bounded
 *   over all looks; `failureLimit: 0` rolls back on its first failure.
 * - Too few canary requests make the look inconclusive, skip the comparison (the error test
 *   keeps its state) and do not count as a failure.
 * - A threshold the canary fails while the stable version fails it too over the same window
 *   (a busy host slows both) is weighed by its metric's policy: `fail` counts it; `pause`
 *   does not, and the look, inconclusive, asks for a person unless the canary failed something
 *   on its own; `baselineOnly` does not either, and leaves the verdict to the rest of the
 *   look, the comparison with the stable version among it.
 */
export function judgeStep(input: StepInput): StepJudgement {
  const stable =
    input.stable === undefined ? null : judgeThresholds(input.stable, input.thresholds);
  const weighed = weighAgainstStable(
    judgeThresholds(input.recent ?? input.canary, input.thresholds),
    stable,
    input.whenStableFailsToo,
  );
  const checks = weighed.checks;
  const comparison = compare(input);
  const errorTest = comparison?.errorTest.state ?? input.errorTest ?? null;
  const failed = [
    ...(comparison?.errorTest.decision === 'fail' ? [comparison.errorTest.evidence] : []),
    ...weighed.failed.map(stableFailsTooEvidence),
    ...(comparison?.latency.verdict === 'fail' ? [comparison.latency.evidence] : []),
  ];
  const failures = input.failuresSoFar + (failed.length > 0 ? 1 : 0);
  const what = failed.join('; ');
  const base = { failures, checks, comparison, errorTest, pause: null };
  if (failed.length > 0 && failures > input.failureLimit) {
    const count = `failed ${failures} ${failures === 1 ? 'look' : 'looks'}`;
    return { ...base, verdict: 'fail', reason: `${what} (${count}, limit ${input.failureLimit})` };
  }
  if (failed.length > 0) {
    const count = `failure ${failures} of ${input.failureLimit} tolerated`;
    return { ...base, verdict: 'inconclusive', reason: `${what} (${count})` };
  }
  if (weighed.paused.length > 0) {
    const why = weighed.paused.map(stableFailsTooEvidence).join('; ');
    return { ...base, verdict: 'inconclusive', reason: why, pause: why };
  }
  const unsure = checks.find((c) => c.verdict === 'inconclusive');
  if (unsure !== undefined) {
    return { ...base, verdict: 'inconclusive', reason: unsure.evidence };
  }
  return { ...base, verdict: 'pass', reason: null };
}

function compare(input: StepInput): StepComparison | null {
  const { baseline, comparison } = input;
  if (baseline === null || comparison === undefined) return null;
  // Too few canary requests: the normal approximations behind both tests are not yet fair.
  if (input.canary.requests < input.thresholds.minRequests) return null;
  const state =
    input.errorTest ??
    initialErrorTest({ alpha: comparison.alpha, minEffect: comparison.minErrorIncrease });
  const errorTest = updateErrorTest(state, {
    canary: { requests: input.canary.requests, errors: input.canary.errors },
    baseline: { requests: baseline.requests, errors: baseline.errors },
  });
  const latency = mannWhitneyBinned(input.canary.latency, baseline.latency, {
    alpha: comparison.alpha,
    minShiftMs: comparison.minLatencyShiftMs,
  });
  return { errorTest, latency };
}
