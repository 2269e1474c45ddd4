export { PrometheusMetricsSource, type PrometheusSourceOptions } from './prometheus.js';
export { DEFAULT_PROMETHEUS_QUERIES, renderQuery, type PrometheusQueries } from './queries.js';
