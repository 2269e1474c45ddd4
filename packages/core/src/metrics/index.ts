export {
  histogramCount,
  histogramQuantile,
  latencyHistogram,
  mergeHistograms,
  type LatencyHistogram,
  type MetricsAnswer,
  type MetricsQuery,
  type MetricsSource,
  type VersionMetrics,
} from './source.js';
