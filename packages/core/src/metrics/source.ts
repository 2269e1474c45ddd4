/**
 * Where the analysis judge gets its numbers: per version, per interval, the requests, the
 * errors and a latency histogram. The built-in router and Prometheus both answer in this shape,
 * so the judge never knows which one it is reading.
 */

/**
 * A latency histogram in the shape Prometheus keeps one: ascending upper bounds in
 * milliseconds and a count per bucket (not cumulative). `counts` has one more entry than
 * `bounds`: the last counts what fell above the highest bound.
 */
export interface LatencyHistogram {
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
  /** Sum of every latency counted (ms), when the source keeps it. */
  readonly sumMs?: number;
}

/** What one version did during one interval. */
export interface VersionMetrics {
  requests: number;
  /** Answers that count as failures (5xx and proxy errors). */
  errors: number;
  latency: LatencyHistogram;
}

/** Which app's versions to read, over which interval (epoch ms, `from` inclusive, `to` exclusive). */
export interface MetricsQuery {
  /** The environment (local runtime) or namespace (Kubernetes) the app lives in. */
  environment: string;
  app: string;
  versions: readonly string[];
  from: number;
  to: number;
}

/** The interval a source really covered, which may be shorter than asked for. */
export interface MetricsAnswer {
  from: number;
  to: number;
  /** Keyed by version; a version with no traffic is present with zeros. */
  versions: Record<string, VersionMetrics>;
}

/** A provider of per-version metrics: the built-in router, Prometheus, … */
export interface MetricsSource {
  /** A short name shown in evidence (`router`, `prometheus`). */
  readonly name: string;
  query(query: MetricsQuery): Promise<MetricsAnswer>;
}

/** How many latencies a histogram holds. */
export function histogramCount(histogram: LatencyHistogram): number {
  let total = 0;
  for (const count of histogram.counts) total += count;
  return total;
}

/**
 * The latency at quantile `q` (0..1), interpolated linearly inside its bucket as Prometheus's
 * `histogram_quantile` does; NaN for an empty histogram. A quantile that lands above the
 * highest bound answers that bound, since nothing more is known of it.
 */
export function histogramQuantile(histogram: LatencyHistogram, q: number): number {
  const total = histogramCount(histogram);
  if (total === 0 || Number.isNaN(q)) return Number.NaN;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let seen = 0;
  for (let i = 0; i < histogram.counts.length; i += 1) {
    const count = histogram.counts[i] ?? 0;
    if (count > 0 && seen + count >= rank) {
      const upper = histogram.bounds[i];
      if (upper === undefined) return histogram.bounds.at(-1) ?? Number.NaN;
      const lower = i === 0 ? 0 : (histogram.bounds[i - 1] ?? 0);
      return lower + (upper - lower) * ((rank - seen) / count);
    }
    seen += count;
  }
  return histogram.bounds.at(-1) ?? Number.NaN;
}

/**
 * Counts latencies (ms) into a histogram with `bounds`, each in the first bucket whose bound it
 * does not exceed (Prometheus's `le`); what is above the highest bound goes in the last.
 */
export function latencyHistogram(
  latencies: readonly number[],
  bounds: readonly number[],
): LatencyHistogram {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let sumMs = 0;
  for (const latency of latencies) {
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (latency <= (bounds[mid] ?? Infinity)) hi = mid;
      else lo = mid + 1;
    }
    counts[lo] = (counts[lo] ?? 0) + 1;
    sumMs += latency;
  }
  return { bounds, counts, sumMs };
}

/** Adds histograms with the same bounds; throws when the bounds differ. */
export function mergeHistograms(histograms: readonly LatencyHistogram[]): LatencyHistogram {
  const first = histograms[0];
  if (first === undefined) return { bounds: [], counts: [0] };
  const counts = new Array<number>(first.counts.length).fill(0);
  let sumMs: number | undefined = 0;
  for (const h of histograms) {
    if (h.bounds.length !== first.bounds.length || h.bounds.some((b, i) => b !== first.bounds[i])) {
      throw new Error('histograms with different bounds cannot be added');
    }
    h.counts.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
    sumMs = sumMs === undefined || h.sumMs === undefined ? undefined : sumMs + h.sumMs;
  }
  return sumMs === undefined
    ? { bounds: first.bounds, counts }
    : { bounds: first.bounds, counts, sumMs };
}
