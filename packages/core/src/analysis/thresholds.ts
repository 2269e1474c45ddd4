import { histogramQuantile, type LatencyHistogram } from '../metrics/source.js';
import { ms, percent, requestCount, trim } from './format.js';
import type { StableFailsToo } from './stable-fails-too.js';

/** What the router recorded for one version over an analysis window. */
export interface VersionWindow {
  /** Requests answered in the window. */
  requests: number;
  /** Of those, answers with a 5xx status. */
  errors: number;
  /** Every answered request's latency, counted in buckets. */
  latency: LatencyHistogram;
  /** Length of the window, in seconds. */
  durationSeconds: number;
}

/**
 * Limits for one analysis. Rates are fractions (0.95 = 95 %), as in the `CanaryDeployment`
 * spec; latencies are milliseconds. Absent latency and request-rate limits are not checked,
 * except p99 which defaults to 200 ms.
 */
export interface ThresholdChecks {
  /** Lowest acceptable share of non-5xx answers; 0.95 when absent. */
  successRateMin?: number;
  /** Highest acceptable share of 5xx answers; 0.05 when absent. */
  errorRateMax?: number;
  latencyP50MaxMs?: number;
  latencyP90MaxMs?: number;
  /** 200 ms when absent. */
  latencyP99MaxMs?: number;
  /** Lowest requests per second for the window to say anything about the version. */
  requestRateMin?: number;
  /** With fewer requests than this every check is inconclusive. */
  minRequests: number;
}

/** The metrics a threshold can hold, named as in the metrics API. */
export const ANALYSIS_METRICS = [
  'successRate',
  'errorRate',
  'latencyP50',
  'latencyP90',
  'latencyP99',
  'requestRate',
] as const;
export type AnalysisMetric = (typeof ANALYSIS_METRICS)[number];

/** What a check, a comparison or a step concludes. */
export const VERDICTS = ['pass', 'fail', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * The unit of a check's value and threshold: the manifest's, so a check reads against the
 * setting it holds (rates are fractions there: 0.95 is 95 %).
 */
export const CHECK_UNITS = ['fraction', 'ms', 'per second'] as const;
export type CheckUnit = (typeof CHECK_UNITS)[number];

/** One metric held against its limit, with a sentence saying why it passed or failed. */
export interface CheckResult {
  metric: AnalysisMetric;
  /** In `unit`; null when the window cannot tell. */
  value: number | null;
  threshold: number;
  unit: CheckUnit;
  comparator: '>=' | '<=';
  verdict: Verdict;
  evidence: string;
  /** Present when the canary failed and the stable version failed this too, in the same window. */
  stableFailsToo?: StableFailsToo;
}

/**
 * The window in the shape of the metrics API: rates in percent (0–100, as the dashboard shows
 * them), latencies in milliseconds, request rate per second; null where there is no data.
 */
export interface MetricSummary {
  successRate: number | null;
  errorRate: number | null;
  latencyP50: number | null;
  latencyP90: number | null;
  latencyP99: number | null;
  requestRate: number | null;
}

/**
 * The seed's metric fields for one window; see {@link MetricSummary} for the units. Latency
 * quantiles are read from the histogram as Prometheus's `histogram_quantile` reads them,
 * linearly inside the bucket the rank falls in.
 */
export function summarise(window: VersionWindow): MetricSummary {
  const rates = windowRates(window);
  const quantile = (q: number) => {
    const value = histogramQuantile(window.latency, q);
    return Number.isNaN(value) ? null : value;
  };
  return {
    successRate: rates.success === null ? null : rates.success * 100,
    errorRate: rates.error === null ? null : rates.error * 100,
    latencyP50: quantile(0.5),
    latencyP90: quantile(0.9),
    latencyP99: quantile(0.99),
    requestRate: window.durationSeconds > 0 ? window.requests / window.durationSeconds : null,
  };
}

interface Rule {
  metric: AnalysisMetric;
  unit: CheckUnit;
  comparator: '>=' | '<=';
  threshold: number;
  value: number | null;
  describe: (value: number) => string;
  label: string;
}

/**
 * Holds one version's window against the limits. A 5xx answer is an error and anything else a
 * success, so a client's 4xx does not count against the version. Every check is inconclusive
 * when the window has fewer than `minRequests` requests: a rate over a handful of requests
 * would fail or pass a version by chance.
 */
export function judgeThresholds(window: VersionWindow, checks: ThresholdChecks): CheckResult[] {
  const summary = summarise(window);
  const rates = windowRates(window);
  const rules: Rule[] = [
    rateRule('successRate', 'success rate', '>=', checks.successRateMin ?? 0.95, rates.success),
    rateRule('errorRate', 'error rate', '<=', checks.errorRateMax ?? 0.05, rates.error),
  ];
  const latency = (metric: AnalysisMetric, label: string, max: number | undefined) => {
    if (max !== undefined) rules.push(latencyRule(metric, label, max, summary));
  };
  latency('latencyP50', 'p50 latency', checks.latencyP50MaxMs);
  latency('latencyP90', 'p90 latency', checks.latencyP90MaxMs);
  latency('latencyP99', 'p99 latency', checks.latencyP99MaxMs ?? 200);
  if (checks.requestRateMin !== undefined) {
    rules.push({
      metric: 'requestRate',
      unit: 'per second',
      label: 'request rate',
      comparator: '>=',
      threshold: checks.requestRateMin,
      value: summary.requestRate,
      describe: (v) => `${trim(v, 1)}/s`,
    });
  }
  const tooFew = window.requests < checks.minRequests;
  return rules.map((rule) => judgeRule(rule, window.requests, tooFew, checks.minRequests));
}

function judgeRule(
  rule: Rule,
  requests: number,
  tooFew: boolean,
  minRequests: number,
): CheckResult {
  const { metric, unit, comparator, threshold, value, describe, label } = rule;
  const base = { metric, value, threshold, unit, comparator };
  const count = requestCount(requests);
  if (tooFew) {
    const evidence = `only ${count}, fewer than the ${minRequests} needed to judge ${label}`;
    return { ...base, verdict: 'inconclusive', evidence };
  }
  if (value === null) {
    return { ...base, verdict: 'inconclusive', evidence: `no data for ${label}` };
  }
  const ok = comparator === '>=' ? value >= threshold : value <= threshold;
  // The sign printed is the relation that holds, so the sentence reads true either way.
  const sign = comparator === '>=' ? (ok ? '≥' : '<') : ok ? '≤' : '>';
  const evidence = `${label} ${describe(value)} ${sign} ${describe(threshold)} (${count})`;
  return { ...base, verdict: ok ? 'pass' : 'fail', evidence };
}

function rateRule(
  metric: AnalysisMetric,
  label: string,
  comparator: '>=' | '<=',
  threshold: number,
  value: number | null,
): Rule {
  return {
    metric,
    unit: 'fraction',
    label,
    comparator,
    threshold,
    value,
    describe: (v) => percent(v, 2),
  };
}

function latencyRule(
  metric: AnalysisMetric,
  label: string,
  threshold: number,
  summary: MetricSummary,
): Rule {
  const value = summary[metric];
  return { metric, unit: 'ms', label, comparator: '<=', threshold, value, describe: ms };
}

// Dividing the counts (not 1 − error rate) keeps boundary cases exact: 95 of 100 is 0.95.
function windowRates(window: VersionWindow) {
  if (window.requests <= 0) return { success: null, error: null };
  const errors = Math.min(window.requests, Math.max(0, window.errors));
  return {
    success: (window.requests - errors) / window.requests,
    error: errors / window.requests,
  };
}
