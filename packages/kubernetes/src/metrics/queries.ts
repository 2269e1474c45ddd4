/**
 * The PromQL a Prometheus metrics source runs, as templates. Each query is an instant query
 * evaluated at the end of the interval, and must answer one series per version (keeping the
 * version label); the latency query keeps `le` as well.
 *
 * Placeholders: `{{namespace}}` and `{{app}}` (PromQL string contents), `{{versions}}` (a regular
 * expression matching exactly the versions asked for) and `{{window}}` (the interval as a range,
 * such as `60000ms`).
 */
export interface PrometheusQueries {
  /** Requests per version over the window. */
  requests: string;
  /** Requests that count as failures (5xx) per version over the window. */
  errors: string;
  /** Latency histogram buckets (cumulative, by `le`) per version over the window. */
  latencyBuckets: string;
  /** The sum of all latencies per version over the window (optional: `''` leaves it out). */
  latencySum: string;
}

const selector = 'namespace="{{namespace}}", app="{{app}}", version=~"{{versions}}"';

/**
 * Queries for the conventional HTTP metrics (`http_requests_total` with a `code` label, and
 * `http_request_duration_seconds`), with `namespace`, `app` and `version` labels.
 */
export const DEFAULT_PROMETHEUS_QUERIES: PrometheusQueries = {
  requests: `sum by (version) (increase(http_requests_total{${selector}}[{{window}}]))`,
  errors: `sum by (version) (increase(http_requests_total{${selector}, code=~"5.."}[{{window}}]))`,
  latencyBuckets: `sum by (version, le) (increase(http_request_duration_seconds_bucket{${selector}}[{{window}}]))`,
  latencySum: `sum by (version) (increase(http_request_duration_seconds_sum{${selector}}[{{window}}]))`,
};

/** Text inside a PromQL double-quoted string. */
function promqlString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A regular expression (RE2) that matches exactly one of `values`. */
function exactly(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/** A query template with its placeholders filled in. */
export function renderQuery(
  template: string,
  values: { namespace: string; app: string; versions: readonly string[]; windowMs: number },
): string {
  const filled: Record<string, string> = {
    namespace: promqlString(values.namespace),
    app: promqlString(values.app),
    versions: promqlString(exactly(values.versions)),
    window: `${Math.max(1, Math.round(values.windowMs))}ms`,
  };
  return template.replace(
    /\{\{(namespace|app|versions|window)\}\}/g,
    (_, name: string) => filled[name] ?? '',
  );
}
