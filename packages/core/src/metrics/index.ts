export {
  histogramCount,
  histogramQuantile,
  mergeHistograms,
  type LatencyHistogram,
  type MetricsAnswer,
  type MetricsQuery,
  type MetricsSource,
  type VersionMetrics,
} from './source.js';
