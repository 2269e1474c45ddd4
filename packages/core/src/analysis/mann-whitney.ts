import { ms, trim } from './format.js';
import { normalQuantile, normalSurvival } from './normal.js';
import type { Verdict } from './thresholds.js';

/** Options of {@link mannWhitneyU}. */
export interface MannWhitneyOptions {
  /** One-sided significance level of "the canary is slower". */
  alpha: number;
  /** A shift smaller than this, in ms, does not fail the canary however significant. 0 if absent. */
  minShiftMs?: number;
  /** Fewer samples than this on either side → inconclusive; 10 when absent. */
  minSamples?: number;
  /** Above this many canary×baseline pairs the shift is estimated on a random subsample; 250 000 when absent. */
  maxPairs?: number;
  /** Uniform in [0, 1); used only to subsample pairs. Inject it for reproducible decisions. */
  random?: () => number;
}

/** The rank test's statistics, the latency shift estimate and the verdict. */
export interface MannWhitneyResult {
  /** Pairs (canary, baseline) where the canary was slower, ties counted as half. */
  u: number;
  /** Standardised U, tie- and continuity-corrected; positive when the canary is slower. */
  z: number;
  /** One-sided p-value of "the canary is slower". */
  pValue: number;
  /** Rank-biserial correlation 2U/(n·m) − 1 in [−1, 1]; positive when the canary is slower. */
  effectSize: number;
  /** Hodges–Lehmann estimate of how much slower the canary is, in ms; null without data. */
  shiftEstimate: number | null;
  /** Interval for the shift at `confidenceLevel`; null without data. */
  confidenceInterval: readonly [number, number] | null;
  /** 1 − 2·alpha, so the interval's lower end is the one-sided bound matching the test. */
  confidenceLevel: number;
  /** Whether the shift was estimated on a random subsample of the pairs. */
  subsampled: boolean;
  verdict: Verdict;
  evidence: string;
}

/**
 * The Mann–Whitney U (Wilcoxon rank-sum) test of "canary latencies are stochastically larger
 * than baseline ones". It needs no assumption on the shape of the latency distribution — which
 * is skewed and heavy-tailed — only that samples are independent.
 *
 * U counts the pairs where the canary is slower (ties ½). Under no difference
 *   E[U] = nm/2,  Var[U] = nm/12 · ((N+1) − Σ(t³ − t)/(N(N−1)))
 * where t runs over the sizes of groups of tied values and N = n + m. The p-value is
 * 1 − Φ((U − E[U] − ½)/√Var[U]), the ½ correcting for U moving in half steps.
 *
 * The shift is the Hodges–Lehmann estimate, the median of all n·m differences canary − baseline;
 * the interval takes the order statistics of those differences at ranks C and nm + 1 − C with
 * C = nm/2 − z₁₋α·√Var[U] (the normal approximation of the rank distribution). The canary fails
 * only when it is both significantly slower and slower by more than `minShiftMs`, since with
 * many samples a shift of a millisecond is significant and harmless.
 */
export function mannWhitneyU(
  canarySamples: readonly number[],
  baselineSamples: readonly number[],
  options: MannWhitneyOptions,
): MannWhitneyResult {
  // A sample that is not a finite number (a lost timer) carries no rank.
  const canary = canarySamples.filter(Number.isFinite);
  const baseline = baselineSamples.filter(Number.isFinite);
  const n = canary.length;
  const m = baseline.length;
  if (n === 0 || m === 0) return noData(n === 0 ? 'canary' : 'baseline', 'samples', options.alpha);
  const { u, sd } = rankSum(canary, baseline);
  const shift = hodgesLehmann(canary, baseline, options, sd);
  return rankVerdict({ n, m, u, sd, shift, unit: 'samples' }, options);
}

/** What a rank test found, for {@link rankVerdict}: the counts, U, its sd and the shift. */
export interface RankStatistics {
  n: number;
  m: number;
  u: number;
  sd: number;
  shift: {
    shiftEstimate: number;
    confidenceInterval: readonly [number, number];
    subsampled: boolean;
  };
  /** What a latency is, in the evidence: `samples` or `requests`. */
  unit: string;
}

/**
 * The p-value, effect size, verdict and evidence of a rank test from its statistics: shared by
 * the test on raw latencies and the one on histograms, so both read and decide alike.
 */
export function rankVerdict(
  stats: RankStatistics,
  options: Pick<MannWhitneyOptions, 'alpha' | 'minShiftMs' | 'minSamples'>,
): MannWhitneyResult {
  const { n, m, u, sd, shift } = stats;
  const confidenceLevel = 1 - 2 * options.alpha;
  const minSamples = options.minSamples ?? 10;
  const mean = (n * m) / 2;
  // Every value tied: no spread, so no evidence that either side is slower.
  const z = sd > 0 ? (u - mean - 0.5) / sd : 0;
  const pValue = sd > 0 ? normalSurvival(z) : 1;
  const effectSize = (2 * u) / (n * m) - 1;
  const minShiftMs = options.minShiftMs ?? 0;
  const result = { u, z, pValue, effectSize, ...shift, confidenceLevel };
  const interval = `${trim(confidenceLevel * 100, 1)} % CI ${ms(shift.confidenceInterval[0])} to ${ms(shift.confidenceInterval[1])}`;
  const facts = `shift ${ms(shift.shiftEstimate)} (${interval}), p = ${pValue.toPrecision(2)}, ${n} vs ${m} ${stats.unit}`;
  if (n < minSamples || m < minSamples) {
    const evidence = `too few latency ${stats.unit} to compare (${n} vs ${m}, need ${minSamples} each)`;
    return { ...result, verdict: 'inconclusive', evidence };
  }
  if (pValue < options.alpha && shift.shiftEstimate > minShiftMs) {
    return { ...result, verdict: 'fail', evidence: `canary latency is higher: ${facts}` };
  }
  const why =
    pValue < options.alpha ? `within the ${ms(minShiftMs)} allowed` : 'not significantly higher';
  return { ...result, verdict: 'pass', evidence: `canary latency ${why}: ${facts}` };
}

/** The answer of a rank test with nothing to rank on one side. */
export function noData(side: string, unit: string, alpha: number): MannWhitneyResult {
  return {
    u: 0,
    z: 0,
    pValue: 1,
    effectSize: 0,
    shiftEstimate: null,
    confidenceInterval: null,
    confidenceLevel: 1 - 2 * alpha,
    subsampled: false,
    verdict: 'inconclusive',
    evidence: `no latency ${unit} on the ${side}`,
  };
}

// Sorting each side and walking both in step ranks ties as groups without a comparator.
function rankSum(canary: readonly number[], baseline: readonly number[]) {
  const n = canary.length;
  const m = baseline.length;
  const total = n + m;
  const c = new Float64Array(canary).sort();
  const b = new Float64Array(baseline).sort();
  let i = 0;
  let j = 0;
  let u = 0;
  let tieTerm = 0;
  while (i < n || j < m) {
    const value = Math.min(c[i] ?? Infinity, b[j] ?? Infinity);
    let inCanary = 0;
    let inBaseline = 0;
    for (; i < n && c[i] === value; i++) inCanary++;
    for (; j < m && b[j] === value; j++) inBaseline++;
    // Each canary value here is slower than the j − inBaseline smaller baseline values, tied
    // with inBaseline of them: U counts a tie as half a pair.
    u += inCanary * (j - inBaseline + inBaseline / 2);
    const ties = inCanary + inBaseline;
    tieTerm += ties * ties * ties - ties;
  }
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  return { u, sd: Math.sqrt(Math.max(0, variance)) };
}

function hodgesLehmann(
  canary: readonly number[],
  baseline: readonly number[],
  options: MannWhitneyOptions,
  sd: number,
) {
  const n = canary.length;
  const m = baseline.length;
  const pairs = n * m;
  const maxPairs = Math.max(1, Math.floor(options.maxPairs ?? 250_000));
  const subsampled = pairs > maxPairs;
  const size = subsampled ? maxPairs : pairs;
  const diffs = new Float64Array(size);
  if (subsampled) {
    const random = options.random ?? Math.random;
    for (let k = 0; k < size; k++) {
      const i = Math.min(n - 1, Math.floor(random() * n));
      const j = Math.min(m - 1, Math.floor(random() * m));
      diffs[k] = (canary[i] ?? 0) - (baseline[j] ?? 0);
    }
  } else {
    const b = new Float64Array(baseline);
    for (let i = 0; i < n; i++) {
      const c = canary[i] ?? 0;
      const row = i * m;
      for (let j = 0; j < m; j++) diffs[row + j] = c - (b[j] ?? 0);
    }
  }
  // 1-based order statistic of the full set of pairs, mapped onto the (sub)sample.
  const at = (rank: number) => {
    const scaled = Math.round((rank * size) / pairs);
    return select(diffs, Math.min(size, Math.max(1, scaled)) - 1);
  };
  const half = Math.floor(size / 2);
  const upperMiddle = select(diffs, half);
  // After selecting `half`, everything before it is no larger: the lower middle is their maximum.
  const median = size % 2 === 1 ? upperMiddle : (maxBefore(diffs, half) + upperMiddle) / 2;
  const low = intervalRank(pairs, sd, options.alpha);
  const confidenceInterval = [at(low), at(pairs + 1 - low)] as const;
  return { shiftEstimate: median, confidenceInterval, subsampled };
}

/**
 * The 1-based rank C among the n·m ordered pairwise differences whose order statistics at C and
 * nm + 1 − C bound the shift with confidence 1 − 2·alpha: C = nm/2 − z₁₋α·√Var[U].
 */
export function intervalRank(pairs: number, sd: number, alpha: number): number {
  const c = Math.round(pairs / 2 - normalQuantile(1 - alpha) * sd);
  return Math.min(pairs, Math.max(1, c));
}

function maxBefore(values: Float64Array, end: number): number {
  let max = -Infinity;
  for (let i = 0; i < end; i++) max = Math.max(max, values[i] ?? -Infinity);
  return max;
}

/**
 * The k-th smallest value (0-based) by quickselect with a median-of-three pivot: linear time on
 * average where a full sort of the pairwise differences would dominate every look. Reorders
 * `values` in place; repeated calls stay correct on the partly ordered array.
 */
function select(values: Float64Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const get = (i: number) => values[i] ?? 0;
  const swap = (i: number, j: number) => {
    const t = get(i);
    values[i] = get(j);
    values[j] = t;
  };
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    if (get(mid) < get(lo)) swap(mid, lo);
    if (get(hi) < get(lo)) swap(hi, lo);
    if (get(hi) < get(mid)) swap(hi, mid);
    const pivot = get(mid);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (get(i) < pivot) i++;
      while (get(j) > pivot) j--;
      if (i <= j) {
        swap(i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return get(k);
  }
  return get(k);
}
