import type { AnalysisMetric, CheckResult } from './thresholds.js';

/**
 * What a failed threshold means when the stable version fails it too, in the same window:
 *
 * - `pause`: set the failure aside and wait for a person. The judge cannot tell a busy host,
 *   which slows every version alike, from a canary that makes the host busy (it eats the CPU,
 *   fills the shared database), so it blames neither and asks. The default.
 * - `baselineOnly`: set the failure aside and let the comparison with the stable version decide:
 *   the canary moves on unless it is significantly worse than the stable version. For apps on
 *   shared, busy hosts whose absolute limits are a goal rather than a guard.
 * - `fail`: the canary fails the threshold whatever the stable version does (before the policy
 *   existed, every threshold worked so).
 */
export const STABLE_FAILS_POLICIES = ['pause', 'baselineOnly', 'fail'] as const;
export type StableFailsPolicy = (typeof STABLE_FAILS_POLICIES)[number];

/** The policy of each thresholded metric; a metric left out takes `pause`. */
export type StableFailsPolicies = Partial<Record<AnalysisMetric, StableFailsPolicy>>;

/** The stable code a check carries when the stable version fails it too. */
export const STABLE_FAILS_TOO = 'STABLE_FAILS_TOO';

/** Set on a canary check that failed while the stable version failed the same check. */
export interface StableFailsToo {
  code: typeof STABLE_FAILS_TOO;
  /** What was done about it: `fail` counted it, `pause` and `baselineOnly` set it aside. */
  policy: StableFailsPolicy;
  /** The stable version's value, in the check's unit. */
  stableValue: number | null;
  /** "the stable version fails this too: p99 latency 640 ms > 500 ms (320 requests)". */
  evidence: string;
}

/** The canary's checks after the stable version's were weighed against them. */
export interface WeighedChecks {
  checks: CheckResult[];
  /** Failed checks that count against the canary. */
  failed: CheckResult[];
  /** Failed checks set aside under `pause`: the look asks a person when there is any. */
  paused: CheckResult[];
}

/**
 * Holds each failed canary check against the stable version's check of the same metric over
 * the same window. Where the stable version fails it too, the check says so (with the stable
 * code {@link STABLE_FAILS_TOO}) and the metric's policy decides whether it counts. A stable
 * check that passed or could not judge (too few requests) changes nothing: the canary alone
 * failed. Pure: plain checks in, plain checks out.
 */
export function weighAgainstStable(
  canary: readonly CheckResult[],
  stable: readonly CheckResult[] | null,
  policies: StableFailsPolicies = {},
): WeighedChecks {
  const failed: CheckResult[] = [];
  const paused: CheckResult[] = [];
  const checks = canary.map((check) => {
    if (check.verdict !== 'fail') return check;
    const theirs = stable?.find((s) => s.metric === check.metric);
    if (theirs?.verdict !== 'fail') {
      failed.push(check);
      return check;
    }
    const policy = policies[check.metric] ?? 'pause';
    const weighed: CheckResult = {
      ...check,
      stableFailsToo: {
        code: STABLE_FAILS_TOO,
        policy,
        stableValue: theirs.value,
        evidence: `the stable version fails this too: ${theirs.evidence}`,
      },
    };
    if (policy === 'fail') failed.push(weighed);
    if (policy === 'pause') paused.push(weighed);
    return weighed;
  });
  return { checks, failed, paused };
}

/** "p99 latency 612 ms > 500 ms (80 requests), and the stable version fails this too: …". */
export function stableFailsTooEvidence(check: CheckResult): string {
  const also = check.stableFailsToo;
  return also === undefined ? check.evidence : `${check.evidence}, and ${also.evidence}`;
}
