import { useMemo } from 'react';
import type { Deployment, MetricPoint } from '../../api/types';
import { TimeChart, type ChartSeries } from '../../charts/TimeChart';
import { useI18n } from '../../i18n/I18nProvider';
import type { Thresholds } from './thresholds';

const NEW_COLOR = '#2563eb';
const STABLE_COLOR = '#64748b';
const LIMIT_COLOR = '#dc2626';

/** One series per version, the new version first: stable and new side by side on one axis. */
export function seriesByVersion(
  points: readonly MetricPoint[],
  newVersion: string,
  labels: { stable: string; new: string },
): ChartSeries[] {
  const versions = [...new Set(points.map((p) => p.version))].sort((a, b) =>
    a === newVersion ? -1 : b === newVersion ? 1 : a.localeCompare(b),
  );
  return versions.map((version) => ({
    label: `${version} (${version === newVersion ? labels.new : labels.stable})`,
    color: version === newVersion ? NEW_COLOR : STABLE_COLOR,
    points: points
      .filter((p) => p.version === version)
      .map((p) => [Date.parse(p.time), p.value] as const)
      .filter(([t]) => Number.isFinite(t)),
  }));
}

/** Seed 003's success-rate and response-time charts, each version its own line, with the limits dashed. */
export function TrendCharts({
  deployment,
  thresholds,
}: {
  deployment: Deployment;
  thresholds: Thresholds;
}) {
  const { t, number } = useI18n();
  const labels = useMemo(() => ({ stable: t('release.stable'), new: t('release.new') }), [t]);
  const success = useMemo(
    () => seriesByVersion(deployment.metrics.successRate, deployment.version, labels),
    [deployment.metrics.successRate, deployment.version, labels],
  );
  const latency = useMemo(
    () => seriesByVersion(deployment.metrics.responseTime, deployment.version, labels),
    [deployment.metrics.responseTime, deployment.version, labels],
  );
  const successLimit = thresholds.successRate;
  const latencyLimit = thresholds.latencyP99;
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <TimeChart
        title={t('release.charts.successRate')}
        series={success}
        lines={
          successLimit
            ? [
                {
                  label: t('release.charts.limit', { value: `${successLimit.value}%` }),
                  value: successLimit.value,
                  color: LIMIT_COLOR,
                },
              ]
            : []
        }
        format={(v) => `${number(v, 1)}%`}
        axisFormat={(v) => `${number(v, 1)}%`}
        yMax={100}
      />
      <TimeChart
        title={t('release.charts.responseTime')}
        series={latency}
        lines={
          latencyLimit
            ? [
                {
                  label: t('release.charts.p99Limit', { value: `${latencyLimit.value} ms` }),
                  value: latencyLimit.value,
                  color: LIMIT_COLOR,
                },
              ]
            : []
        }
        format={(v) => `${number(v, 0)} ms`}
        axisFormat={(v) => number(v, 0)}
        yMin={0}
      />
    </div>
  );
}
