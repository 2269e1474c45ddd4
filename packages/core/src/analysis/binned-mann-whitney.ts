import { histogramCount, type LatencyHistogram } from '../metrics/source.js';
import {
  intervalRank,
  noData,
  rankVerdict,
  type MannWhitneyOptions,
  type MannWhitneyResult,
} from './mann-whitney.js';

/** Options of {@link mannWhitneyBinned}: those of the test on raw latencies that apply. */
export type BinnedMannWhitneyOptions = Pick<
  MannWhitneyOptions,
  'alpha' | 'minShiftMs' | 'minSamples'
>;

/**
 * The Mann–Whitney U test of "canary latencies are stochastically larger than baseline ones",
 * read from two latency histograms with the same buckets instead of raw latencies.
 *
 * A histogram tells of each latency only its bucket, so every latency in one bucket is a tie
 * with every other latency there, on either side. The test is the rank test on those grouped
 * values, exactly: with c_k canary and b_k baseline latencies in bucket k,
 *   U = Σ_k c_k · (Σ_{j<k} b_j + b_k/2)
 * and the variance under no difference carries the tie correction of the raw test, each bucket
 * a group of t_k = c_k + b_k ties:
 *   Var[U] = nm/12 · ((N+1) − Σ_k (t_k³ − t_k)/(N(N−1))).
 * Ties cost power only when most latencies share a few buckets, so the buckets must be narrow
 * against the spread of the latencies: the router's are at most 18 % wide (20 a decade).
 *
 * The shift is the Hodges–Lehmann estimate over the grouped values, each standing at its
 * bucket's midpoint: the weighted median of the midpoint differences of every pair of buckets,
 * weighted by c_i·b_j, so it is exact over all n·m pairs without drawing any. Its interval takes
 * the same order statistics as the raw test. The overflow bucket stands at the highest bound,
 * all that is known of it.
 */
export function mannWhitneyBinned(
  canary: LatencyHistogram,
  baseline: LatencyHistogram,
  options: BinnedMannWhitneyOptions,
): MannWhitneyResult {
  const n = histogramCount(canary);
  const m = histogramCount(baseline);
  if (n === 0 || m === 0) return noData(n === 0 ? 'canary' : 'baseline', 'requests', options.alpha);
  if (!sameBounds(canary, baseline)) {
    throw new Error('histograms with different bounds cannot be compared');
  }
  const total = n + m;
  let u = 0;
  let tieTerm = 0;
  let below = 0;
  canary.counts.forEach((c, k) => {
    const b = baseline.counts[k] ?? 0;
    u += c * (below + b / 2);
    below += b;
    const ties = c + b;
    tieTerm += ties * ties * ties - ties;
  });
  const variance = ((n * m) / 12) * (total + 1 - tieTerm / (total * (total - 1)));
  const sd = Math.sqrt(Math.max(0, variance));
  const shift = weightedShift(canary, baseline, n * m, sd, options.alpha);
  return rankVerdict({ n, m, u, sd, shift, unit: 'requests' }, options);
}

function sameBounds(a: LatencyHistogram, b: LatencyHistogram): boolean {
  return (
    a.bounds.length === b.bounds.length &&
    a.counts.length === b.counts.length &&
    a.bounds.every((bound, i) => bound === b.bounds[i])
  );
}

/** A bucket's latencies as [lower, upper]: spread evenly; the overflow bucket at its bound. */
function spans(bounds: readonly number[]): (readonly [number, number])[] {
  const out = bounds.map((upper, i) => [i === 0 ? 0 : (bounds[i - 1] ?? 0), upper] as const);
  const top = bounds.at(-1) ?? 0;
  out.push([top, top]);
  return out;
}

/** ∫ clamp(s, 0, w) ds from 0: the area under a ramp of width w that levels off at w. */
function ramp(s: number, w: number): number {
  if (s <= 0) return 0;
  if (s <= w) return (s * s) / 2;
  return (w * w) / 2 + w * (s - w);
}

/** P(X − Y ≤ t) for X even on `x` and Y even on `y` (a span of width 0 is a point). */
function differenceCdf(x: readonly [number, number], y: readonly [number, number], t: number) {
  const wx = x[1] - x[0];
  const wy = y[1] - y[0];
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  if (wx === 0 && wy === 0) return t >= x[0] - y[0] ? 1 : 0;
  if (wx === 0) return clamp((y[1] - x[0] + t) / wy);
  if (wy === 0) return clamp((t + y[0] - x[0]) / wx);
  return (ramp(t + y[1] - x[0], wx) - ramp(t + y[0] - x[0], wx)) / (wx * wy);
}

/**
 * The Hodges–Lehmann shift and its interval over grouped latencies, each bucket's latencies
 * taken as spread evenly across it: the difference of a canary and a baseline latency is then
 * spread over a trapezoid per pair of buckets, and the n·m differences over their mixture,
 * weighted c_i·b_j. Its quantiles, found by bisection, stand for the raw test's order
 * statistics, the r-th of n·m at (r − ½)/(n·m). Midpoints alone would put the estimate on a
 * few values only, and a shift near `minShiftMs` would pass or fail on where the buckets fall.
 */
function weightedShift(
  canary: LatencyHistogram,
  baseline: LatencyHistogram,
  pairs: number,
  sd: number,
  alpha: number,
) {
  const span = spans(canary.bounds);
  const cells: { x: readonly [number, number]; y: readonly [number, number]; weight: number }[] =
    [];
  let lowest = Infinity;
  let highest = -Infinity;
  canary.counts.forEach((c, i) => {
    const x = span[i];
    if (c === 0 || x === undefined) return;
    baseline.counts.forEach((b, j) => {
      const y = span[j];
      if (b === 0 || y === undefined) return;
      cells.push({ x, y, weight: c * b });
      lowest = Math.min(lowest, x[0] - y[1]);
      highest = Math.max(highest, x[1] - y[0]);
    });
  });
  const share = (t: number) => {
    let sum = 0;
    for (const cell of cells) sum += cell.weight * differenceCdf(cell.x, cell.y, t);
    return sum / pairs;
  };
  const orderStatistic = (rank: number) => {
    const p = (rank - 0.5) / pairs;
    let lo = lowest;
    let hi = highest;
    // To a thousandth of a millisecond: finer says nothing more about latencies.
    while (hi - lo > 1e-3) {
      const mid = (lo + hi) / 2;
      if (share(mid) >= p) hi = mid;
      else lo = mid;
    }
    return (lo + hi) / 2;
  };
  const median = orderStatistic((pairs + 1) / 2);
  const low = intervalRank(pairs, sd, alpha);
  const confidenceInterval = [orderStatistic(low), orderStatistic(pairs + 1 - low)] as const;
  return { shiftEstimate: median, confidenceInterval, subsampled: false };
}
