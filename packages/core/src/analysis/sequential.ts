import { percent, requestCount, trim } from './format.js';
import { normalCdf } from './normal.js';

/*
 * Is the canary's error rate higher than the baseline's? — asked again at every look, with
 * the chance of a false alarm held below `alpha` over all looks, however many there are and
 * whenever they come. The test is a mixture sequential probability ratio test (mSPRT; Robbins
 * 1970, Johari et al. 2017 "Always valid inference").
 *
 * Let θ = p_canary − p_baseline and θ̂ the observed difference of the cumulative error shares.
 * Under "no difference" θ̂ is about normal with variance
 *   V = p̄(1 − p̄)(1/n_c + 1/n_b),   p̄ = (x_c + x_b)/(n_c + n_b)   (pooled, as in the z-test).
 * The likelihood ratio of θ against 0 is exp((θ·θ̂ − θ²/2)/V). Averaged over the alternatives
 * θ > 0 with a half-normal weight of scale τ = minEffect it has the closed form
 *   Λ = 2 · √(V/(V+τ²)) · exp(τ²θ̂² / (2V(V+τ²))) · Φ(τθ̂ / √(V(V+τ²))).
 * Λ is a nonnegative martingale (a supermartingale when the canary is better), so by Ville's
 * inequality P(Λ ever ≥ 1/α) ≤ α: the test fails the canary the first time ln Λ ≥ ln(1/α).
 * A fixed-sample z-test repeated at every look would instead raise a false alarm far more often
 * than alpha; a group-sequential design would need the number of looks fixed in advance.
 *
 * 'pass' comes from the matching always-valid confidence sequence (two-sided, same mixture):
 *   |θ − θ̂| ≤ √( V'(V'+τ²)/τ² · (ln((V'+τ²)/V') + 2 ln(1/α)) ),
 * with V' the unpooled variance from Agresti–Caffo shares (x+1)/(n+2), so that two clean
 * windows do not produce a zero-width interval. When its upper end is below minEffect the
 * canary is, with confidence 1 − α, not worse by what matters. Unlike 'fail', 'pass' is not
 * final: later looks may still find a canary that degrades over time.
 */

/** What one version answered so far, counted from the start of the test. */
export interface ErrorCounts {
  requests: number;
  /** 5xx answers among `requests`. */
  errors: number;
}

/** 'fail': canary significantly worse; 'pass': not worse by minEffect; 'continue': not yet known. */
export const ERROR_TEST_DECISIONS = ['continue', 'fail', 'pass'] as const;
export type ErrorTestDecision = (typeof ERROR_TEST_DECISIONS)[number];

/** The sequential error-rate test between looks: plain data, safe to store and resume. */
export interface SequentialErrorTest {
  /** Bound on the chance of failing a canary that is not worse, over all looks. */
  alpha: number;
  /** Absolute error-rate increase worth catching (0.02 = two points). */
  minEffect: number;
  /** Looks taken so far. */
  looks: number;
  /** 'fail' is final; 'pass' and 'continue' say what the last look found. */
  decision: ErrorTestDecision;
}

/** Both versions' cumulative counts at one look. */
export interface ErrorTestLook {
  canary: ErrorCounts;
  baseline: ErrorCounts;
}

/** What one look concluded, with the statistic, its boundary and a sentence for people. */
export interface ErrorTestUpdate {
  state: SequentialErrorTest;
  decision: ErrorTestDecision;
  /** ln Λ, the log mixture likelihood ratio of "canary worse" against "no difference". */
  statistic: number;
  /** ln(1/alpha): the canary fails when `statistic` reaches it. */
  boundary: number;
  /** Always-valid upper confidence bound on the error-rate increase; null before any request. */
  upperBound: number | null;
  evidence: string;
}

/** A fresh test; `alpha` 0.01 and `minEffect` 0.02 are sensible for canaries. */
export function initialErrorTest(options: {
  alpha: number;
  minEffect: number;
}): SequentialErrorTest {
  if (!(options.alpha > 0 && options.alpha < 1)) {
    throw new RangeError(`alpha must lie in (0, 1), got ${options.alpha}`);
  }
  if (!(options.minEffect > 0 && options.minEffect < 1)) {
    throw new RangeError(`minEffect must lie in (0, 1), got ${options.minEffect}`);
  }
  return { alpha: options.alpha, minEffect: options.minEffect, looks: 0, decision: 'continue' };
}

/**
 * Takes one look at the cumulative counts of both versions and says whether the canary is
 * significantly worse ('fail', final), shown not worse by `minEffect` ('pass'), or not yet
 * known ('continue'). Counts must be cumulative since the test began.
 */
export function updateErrorTest(state: SequentialErrorTest, look: ErrorTestLook): ErrorTestUpdate {
  const boundary = Math.log(1 / state.alpha);
  const c = clean(look.canary);
  const b = clean(look.baseline);
  const statistic = logMixtureRatio(c, b, state.minEffect);
  const upperBound = upperConfidenceBound(c, b, state);
  const decision: ErrorTestDecision =
    state.decision === 'fail' || statistic >= boundary
      ? 'fail'
      : upperBound !== null && upperBound < state.minEffect
        ? 'pass'
        : 'continue';
  const next = { ...state, looks: state.looks + 1, decision };
  const evidence = describe(decision, state.decision === 'fail', c, b, statistic, boundary, {
    upperBound,
    minEffect: state.minEffect,
  });
  return { state: next, decision, statistic, boundary, upperBound, evidence };
}

function logMixtureRatio(c: ErrorCounts, b: ErrorCounts, tau: number): number {
  if (c.requests === 0 || b.requests === 0) return 0;
  const pooled = (c.errors + b.errors) / (c.requests + b.requests);
  const v = pooled * (1 - pooled) * (1 / c.requests + 1 / b.requests);
  // No error on either side (or nothing but errors): the data cannot tell the versions apart.
  if (v <= 0) return 0;
  const diff = c.errors / c.requests - b.errors / b.requests;
  const t2 = tau * tau;
  const spread = v + t2;
  const tail = normalCdf((tau * diff) / Math.sqrt(v * spread));
  // ln Φ of a very negative argument underflows; such a look is nowhere near the boundary.
  if (tail <= 0) return -Infinity;
  return (
    Math.log(2) +
    0.5 * Math.log(v / spread) +
    (t2 * diff * diff) / (2 * v * spread) +
    Math.log(tail)
  );
}

function upperConfidenceBound(
  c: ErrorCounts,
  b: ErrorCounts,
  state: SequentialErrorTest,
): number | null {
  if (c.requests === 0 || b.requests === 0) return null;
  const pc = (c.errors + 1) / (c.requests + 2);
  const pb = (b.errors + 1) / (b.requests + 2);
  const v = (pc * (1 - pc)) / (c.requests + 2) + (pb * (1 - pb)) / (b.requests + 2);
  const t2 = state.minEffect * state.minEffect;
  const radius = Math.sqrt(
    ((v * (v + t2)) / t2) * (Math.log((v + t2) / v) + 2 * Math.log(1 / state.alpha)),
  );
  return pc - pb + radius;
}

function clean(counts: ErrorCounts): ErrorCounts {
  const requests = Math.max(0, Math.floor(counts.requests));
  return { requests, errors: Math.min(requests, Math.max(0, Math.floor(counts.errors))) };
}

function describe(
  decision: ErrorTestDecision,
  failedBefore: boolean,
  c: ErrorCounts,
  b: ErrorCounts,
  statistic: number,
  boundary: number,
  bound: { upperBound: number | null; minEffect: number },
): string {
  if (c.requests === 0 || b.requests === 0) return 'no requests yet on one of the versions';
  const rates =
    `canary error rate ${percent(c.errors / c.requests, 2)} (${requestCount(c.requests)}) ` +
    `vs baseline ${percent(b.errors / b.requests, 2)} (${requestCount(b.requests)})`;
  const lr = `log-likelihood ratio ${trim(statistic, 2)}`;
  if (decision === 'fail') {
    const when = failedBefore ? ', as an earlier look already found' : '';
    return `${rates}: significantly worse${when} (${lr} ≥ ${trim(boundary, 2)})`;
  }
  const margin =
    bound.upperBound === null ? '' : `, increase at most ${percent(bound.upperBound, 2)}`;
  if (decision === 'pass') {
    return `${rates}: not worse by ${percent(bound.minEffect, 2)}${margin}`;
  }
  return `${rates}: no conclusion yet (${lr} < ${trim(boundary, 2)}${margin})`;
}
