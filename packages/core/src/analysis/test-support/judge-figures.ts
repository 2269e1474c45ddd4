import { histogramQuantile } from '../../metrics/source.js';
import { mannWhitneyBinned } from '../binned-mann-whitney.js';
import { mannWhitneyU } from '../mann-whitney.js';
import { routerHistogram } from './buckets.js';
import { logNormalSamples, mulberry32 } from './random.js';

/*
 * The judge's false-alarm and detection figures, measured for the judge that ranked raw
 * latencies (the router's sample of up to 5000 a window) and the one that ranks the router's
 * histograms. Each window is drawn once from a seeded generator and judged both ways, so the
 * two figures differ only by what the buckets lose.
 */

/** Draws one version's latencies (ms) for a window of `n` requests. */
export type Draw = (random: () => number, n: number) => number[];

export interface Scenario {
  name: string;
  /** What the figure is: a false alarm (the canary is no worse) or a detection. */
  kind: 'false alarm' | 'detection';
  /** Which part of the judge: the rank test against the baseline, or the p99 threshold. */
  check: 'latency comparison' | 'p99 threshold';
  baseline: Draw;
  canary: Draw;
  /** The shift worth failing for, when not the judge's 25 ms. */
  minShiftMs?: number;
}

export interface Figure {
  scenario: string;
  kind: Scenario['kind'];
  check: Scenario['check'];
  /** Requests per version per window. */
  n: number;
  windows: number;
  /** Share of windows that failed the canary: on raw latencies, and on histograms. */
  raw: number;
  histogram: number;
  /** Share of windows where both judged alike. */
  agreement: number;
}

/** The judge's defaults: alpha 0.01, a 25 ms shift worth failing for, p99 ≤ 200 ms. */
export const JUDGE = { alpha: 0.01, minShiftMs: 25, p99MaxMs: 200 } as const;

const logNormal =
  (median: number, sigma: number, add = 0): Draw =>
  (random, n) =>
    logNormalSamples(random, n, median, sigma).map((x) => x + add);

/** A log-normal of median `median` whose p99 is `p99`: σ = ln(p99/median)/z₀.₉₉. */
const withP99 = (median: number, p99: number): Draw =>
  logNormal(median, Math.log(p99 / median) / 2.3263478740408408);

/** The demo shop: 1 to 5 ms of jitter on a fast path, plus what a faulty version adds. */
const shop =
  (extraMs: number): Draw =>
  (random, n) =>
    Array.from(
      { length: n },
      () => 0.4 + 1 + random() * 4 + (extraMs === 0 ? 0 : extraMs * (0.5 + random())),
    );

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'same log-normal, median 60 ms',
    kind: 'false alarm',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3),
  },
  {
    name: 'demo shop, both healthy',
    kind: 'false alarm',
    check: 'latency comparison',
    baseline: shop(0),
    canary: shop(0),
  },
  {
    name: '+10 ms (below the 25 ms that matters)',
    kind: 'false alarm',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3, 10),
  },
  {
    name: '+25 ms (exactly the shift that matters)',
    kind: 'detection',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3, 25),
  },
  {
    name: '+30 ms',
    kind: 'detection',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3, 30),
  },
  {
    name: '+40 ms',
    kind: 'detection',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3, 40),
  },
  {
    name: '×1.6 (median 60 → 96 ms)',
    kind: 'detection',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(96, 0.3),
  },
  {
    name: "demo shop's faulty v3 (+75 to 225 ms)",
    kind: 'detection',
    check: 'latency comparison',
    baseline: shop(0),
    canary: shop(150),
  },
  {
    name: 'same log-normal, rank test alone (no minimum shift)',
    kind: 'false alarm',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3),
    minShiftMs: 0,
  },
  {
    name: '+3 ms, rank test alone (no minimum shift)',
    kind: 'detection',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3, 3),
    minShiftMs: 0,
  },
  {
    name: '+8 ms, rank test alone (no minimum shift)',
    kind: 'detection',
    check: 'latency comparison',
    baseline: logNormal(60, 0.3),
    canary: logNormal(60, 0.3, 8),
    minShiftMs: 0,
  },
  {
    name: 'true p99 160 ms',
    kind: 'false alarm',
    check: 'p99 threshold',
    baseline: withP99(80, 160),
    canary: withP99(80, 160),
  },
  {
    name: 'true p99 190 ms',
    kind: 'false alarm',
    check: 'p99 threshold',
    baseline: withP99(80, 190),
    canary: withP99(80, 190),
  },
  {
    name: 'true p99 210 ms',
    kind: 'detection',
    check: 'p99 threshold',
    baseline: withP99(80, 210),
    canary: withP99(80, 210),
  },
  {
    name: 'true p99 240 ms',
    kind: 'detection',
    check: 'p99 threshold',
    baseline: withP99(80, 240),
    canary: withP99(80, 240),
  },
];

/** The raw judge's p99: the nearest-rank quantile of the sample, an observed latency. */
function nearestRankP99(latencies: readonly number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(0.99 * sorted.length))) - 1] ?? 0;
}

/** One window judged both ways: whether each failed the canary. */
function judgeWindow(scenario: Scenario, canary: number[], baseline: number[]) {
  if (scenario.check === 'p99 threshold') {
    return {
      raw: nearestRankP99(canary) > JUDGE.p99MaxMs,
      histogram: histogramQuantile(routerHistogram(canary), 0.99) > JUDGE.p99MaxMs,
    };
  }
  const options = { alpha: JUDGE.alpha, minShiftMs: scenario.minShiftMs ?? JUDGE.minShiftMs };
  return {
    raw: mannWhitneyU(canary, baseline, { ...options, random: mulberry32(1) }).verdict === 'fail',
    histogram:
      mannWhitneyBinned(routerHistogram(canary), routerHistogram(baseline), options).verdict ===
      'fail',
  };
}

/** Judges `windows` windows of `n` requests per version of `scenario`, from `seed`. */
export function measureFigure(scenario: Scenario, n: number, windows: number, seed: number) {
  const random = mulberry32(seed);
  let raw = 0;
  let histogram = 0;
  let agree = 0;
  for (let w = 0; w < windows; w++) {
    const baseline = scenario.baseline(random, n);
    const canary = scenario.canary(random, n);
    const verdict = judgeWindow(scenario, canary, baseline);
    if (verdict.raw) raw++;
    if (verdict.histogram) histogram++;
    if (verdict.raw === verdict.histogram) agree++;
  }
  return {
    scenario: scenario.name,
    kind: scenario.kind,
    check: scenario.check,
    n,
    windows,
    raw: raw / windows,
    histogram: histogram / windows,
    agreement: agree / windows,
  } satisfies Figure;
}
