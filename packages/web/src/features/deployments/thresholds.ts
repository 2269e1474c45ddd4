/**
 * Seed 000's colours for live metrics: green when a metric is within its
 * threshold, yellow when past it by no more than a warning margin, red when
 * further. The seed's example with the default 95 % success threshold:
 * above 95 % green, 90–95 % yellow, below 90 % red.
 */

export const METRICS = [
  'successRate',
  'errorRate',
  'latencyP50',
  'latencyP90',
  'latencyP99',
  'requestRate',
] as const;
export type MetricName = (typeof METRICS)[number];

/** A limit in the unit the dashboard shows: percent for rates, ms for latencies, req/s for request rate. */
export interface Threshold {
  comparator: '>=' | '<=';
  value: number;
}
export type Thresholds = Partial<Record<MetricName, Threshold>>;

export type Health = 'good' | 'warning' | 'bad' | 'unknown';

/** The analysis defaults of docs/delivery.md and seed 000: success ≥ 95 %, error ≤ 5 %, p99 ≤ 200 ms. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  successRate: { comparator: '>=', value: 95 },
  errorRate: { comparator: '<=', value: 5 },
  latencyP99: { comparator: '<=', value: 200 },
};

/** How far past its threshold a metric is still yellow. */
export const WARNING_MARGIN = {
  /** Rates: five percentage points (95 % → yellow down to 90 %). */
  ratePoints: 5,
  /** Latencies: a quarter of the limit (200 ms → yellow up to 250 ms). */
  latencyShare: 0.25,
} as const;

const isRate = (metric: MetricName) => metric === 'successRate' || metric === 'errorRate';

/** The colour of one value against its threshold; `unknown` without a value or a threshold. */
export function metricHealth(
  metric: MetricName,
  value: number | null | undefined,
  thresholds: Thresholds,
): Health {
  const threshold = thresholds[metric];
  if (value === null || value === undefined || !Number.isFinite(value) || !threshold)
    return 'unknown';
  const { comparator, value: limit } = threshold;
  const within = comparator === '>=' ? value >= limit : value <= limit;
  if (within) return 'good';
  // Too little traffic makes an analysis inconclusive, never failed: never red.
  if (metric === 'requestRate') return 'warning';
  const margin = isRate(metric) ? WARNING_MARGIN.ratePoints : limit * WARNING_MARGIN.latencyShare;
  const warnLimit = comparator === '>=' ? limit - margin : limit + margin;
  const warning = comparator === '>=' ? value >= warnLimit : value <= warnLimit;
  return warning ? 'warning' : 'bad';
}

function numberOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A duration of the manifest (`200ms`, `1.5s`, `2m`) or a number of milliseconds, in ms. */
export function durationMs(value: unknown): number | null {
  const n = numberOf(value);
  if (n !== null) return n;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return amount * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
}

/** A rate as the manifest writes it (a fraction, 0.95) or already in percent (95), in percent. */
function percentOf(value: unknown): number | null {
  const n = numberOf(value);
  if (n === null) return null;
  return n <= 1 ? n * 100 : n;
}

/**
 * The thresholds of a release, from its `config.analysis` (manifest style:
 * `successRate: 0.95`, `latencyP99: "200ms"`, or settings style:
 * `latencyP99Ms: 200`); the defaults where it says nothing.
 */
export function thresholdsFromConfig(
  config: Record<string, unknown> | null | undefined,
): Thresholds {
  const analysis = (config?.analysis ?? null) as Record<string, unknown> | null;
  const out: Thresholds = { ...DEFAULT_THRESHOLDS };
  if (analysis === null || typeof analysis !== 'object') return out;
  const success = percentOf(analysis.successRate);
  if (success !== null) out.successRate = { comparator: '>=', value: success };
  const error = percentOf(analysis.errorRate);
  if (error !== null) out.errorRate = { comparator: '<=', value: error };
  for (const metric of ['latencyP50', 'latencyP90', 'latencyP99'] as const) {
    const ms = durationMs(analysis[`${metric}Ms`] ?? analysis[metric]);
    if (ms !== null) out[metric] = { comparator: '<=', value: ms };
  }
  const rate = numberOf(analysis.requestRate);
  if (rate !== null) out.requestRate = { comparator: '>=', value: rate };
  return out;
}

/** The same metric in the unit of the thresholds, from an analysis check (rates there are fractions). */
export function checkValueInDisplayUnit(metric: string, value: number | null): number | null {
  if (value === null) return null;
  return metric === 'successRate' || metric === 'errorRate' ? value * 100 : value;
}
