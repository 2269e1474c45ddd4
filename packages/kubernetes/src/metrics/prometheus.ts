/**
 * Prometheus as a metrics source: per version, the requests, the errors and the latency
 * histogram over an interval, from PromQL instant queries over HTTP (`/api/v1/query`) evaluated
 * at the interval's end. `increase()` extrapolates to the edges of its window, so counts are
 * rounded and may differ from the exact ones by a fraction of a scrape interval's traffic.
 */
import {
  CodedanceError,
  type LatencyHistogram,
  type MetricsAnswer,
  type MetricsQuery,
  type MetricsSource,
  type VersionMetrics,
} from '@codedance/core';
import { DEFAULT_PROMETHEUS_QUERIES, renderQuery, type PrometheusQueries } from './queries.js';

export interface PrometheusSourceOptions {
  /** Where Prometheus answers, such as `http://prometheus.monitoring:9090`. */
  url: string;
  /** Queries to use instead of the defaults (see `DEFAULT_PROMETHEUS_QUERIES`). */
  queries?: Partial<PrometheusQueries>;
  /** The label the queries keep per version (`version`). */
  versionLabel?: string;
  /** The unit of the histogram's `le` and sum: `seconds` (the Prometheus convention) or `milliseconds`. */
  latencyUnit?: 'seconds' | 'milliseconds';
  /** Sent with every query, such as `Authorization`; never logged nor put in errors. */
  headers?: Record<string, string>;
  /** How long one query may take (10 s). */
  timeoutMs?: number;
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

type QueryName = keyof PrometheusQueries;

/** The per-version metrics of an app, read from Prometheus. */
export class PrometheusMetricsSource implements MetricsSource {
  readonly name = 'prometheus';
  readonly #url: URL;
  readonly #queries: PrometheusQueries;
  readonly #versionLabel: string;
  readonly #toMs: number;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;

  constructor(options: PrometheusSourceOptions) {
    this.#url = new URL(
      'api/v1/query',
      options.url.endsWith('/') ? options.url : `${options.url}/`,
    );
    this.#queries = { ...DEFAULT_PROMETHEUS_QUERIES, ...options.queries };
    this.#versionLabel = options.versionLabel ?? 'version';
    this.#toMs = options.latencyUnit === 'milliseconds' ? 1 : 1000;
    this.#headers = options.headers ?? {};
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  async query(query: MetricsQuery): Promise<MetricsAnswer> {
    if (!(query.to > query.from)) {
      throw new CodedanceError('CD_BAD_REQUEST', {
        message: `A metrics interval must end after it starts (from ${query.from}, to ${query.to}).`,
      });
    }
    const values = {
      namespace: query.environment,
      app: query.app,
      versions: query.versions,
      windowMs: query.to - query.from,
    };
    const run = (name: QueryName) =>
      this.#queries[name] === ''
        ? Promise.resolve([])
        : this.#instant(name, renderQuery(this.#queries[name], values), query.to);
    const [requests, errors, buckets, sums] = await Promise.all([
      run('requests'),
      run('errors'),
      run('latencyBuckets'),
      run('latencySum'),
    ]);
    const bounds = this.#bounds(buckets);
    const versions: Record<string, VersionMetrics> = {};
    for (const version of query.versions) {
      const total = Math.round(this.#value(requests, version) ?? 0);
      const failed = Math.min(Math.round(this.#value(errors, version) ?? 0), total);
      const sum = this.#value(sums, version);
      versions[version] = {
        requests: total,
        errors: failed,
        latency: this.#histogram(buckets, version, bounds, sum),
      };
    }
    return { from: query.from, to: query.to, versions };
  }

  /** One instant query; the samples of its vector, each with the version label. */
  async #instant(name: QueryName, promql: string, atMs: number): Promise<Sample[]> {
    const url = new URL(this.#url);
    url.searchParams.set('query', promql);
    url.searchParams.set('time', (atMs / 1000).toFixed(3));
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'application/json', ...this.#headers },
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new CodedanceError(timedOut ? 'CD_GATEWAY_TIMEOUT' : 'CD_BAD_GATEWAY', {
        message: timedOut
          ? `Prometheus at ${this.#url.origin} did not answer the ${name} query within ${this.#timeoutMs} ms.`
          : `Prometheus at ${this.#url.origin} could not be reached: ${causeOf(error)}.`,
        details: { query: name },
        cause: error,
      });
    }
    const body = (await response.json().catch(() => null)) as {
      status?: string;
      error?: string;
      data?: { resultType?: string; result?: unknown };
    } | null;
    if (!response.ok || body?.status !== 'success') {
      // 400 and 422 are Prometheus refusing the query itself: a configuration to fix.
      const refused = response.status === 400 || response.status === 422;
      throw new CodedanceError(refused ? 'CD_INVALID_CONFIG' : 'CD_BAD_GATEWAY', {
        message: `Prometheus ${refused ? 'refused' : 'failed'} the ${name} query (${response.status}): ${body?.error ?? response.statusText}`,
        details: { query: name, promql },
      });
    }
    if (body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
      throw new CodedanceError('CD_INVALID_CONFIG', {
        message: `The ${name} query must answer an instant vector, not ${body.data?.resultType ?? 'nothing'}.`,
        details: { query: name, promql },
      });
    }
    const samples = body.data.result as Sample[];
    if (samples.some((sample) => sample.metric[this.#versionLabel] === undefined)) {
      throw new CodedanceError('CD_INVALID_CONFIG', {
        message: `The ${name} query must keep the ${this.#versionLabel} label, as \`sum by (${this.#versionLabel}) (…)\` does.`,
        details: { query: name, promql },
      });
    }
    return samples;
  }

  #value(samples: readonly Sample[], version: string): number | undefined {
    let total: number | undefined;
    for (const sample of samples) {
      if (sample.metric[this.#versionLabel] !== version) continue;
      const value = Number(sample.value[1]);
      if (Number.isFinite(value)) total = (total ?? 0) + value;
    }
    return total;
  }

  /** Every finite `le` any version reports, ascending, in milliseconds. */
  #bounds(buckets: readonly Sample[]): number[] {
    const les = new Set<number>();
    for (const sample of buckets) {
      const le = Number(sample.metric.le);
      if (Number.isFinite(le)) les.add(le);
    }
    return [...les].sort((a, b) => a - b);
  }

  /** A version's cumulative buckets as counts per bucket, on the shared bounds. */
  #histogram(
    buckets: readonly Sample[],
    version: string,
    les: readonly number[],
    sum: number | undefined,
  ): LatencyHistogram {
    const cumulative = new Map<number, number>();
    for (const sample of buckets) {
      if (sample.metric[this.#versionLabel] !== version) continue;
      const le = sample.metric.le === '+Inf' ? Infinity : Number(sample.metric.le);
      const value = Number(sample.value[1]);
      if (!Number.isNaN(le) && Number.isFinite(value)) cumulative.set(le, value);
    }
    const counts: number[] = [];
    let below = 0;
    for (const le of [...les, Infinity]) {
      // A bucket this version lacks holds what the bucket below it holds; counts only grow.
      const at = Math.max(below, Math.round(cumulative.get(le) ?? below));
      counts.push(at - below);
      below = at;
    }
    const bounds = les.map((le) => le * this.#toMs);
    return sum === undefined ? { bounds, counts } : { bounds, counts, sumMs: sum * this.#toMs };
  }
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause ?? error) : error;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === undefined ? cause.message : `${code} ${cause.message}`;
  }
  return String(cause);
}
