import { useMemo } from 'react';
import type { Deployment, MetricPoint } from '../../api/types';
import { TimeChart, type ChartMarker, type ChartSeries } from '../../charts/TimeChart';
import { useI18n, type Translate } from '../../i18n/I18nProvider';
import { useTheme } from '../../theme/ThemeProvider';
import { useNow } from '../../ui/useNow';
import { versionWithSide } from './sides';
import { stepLabel } from './stepNames';
import type { Thresholds } from './thresholds';

const NEW_COLOR = { light: '#2563eb', dark: '#60a5fa' };
const STABLE_COLOR = { light: '#64748b', dark: '#94a3b8' };
const LIMIT_COLOR = { light: '#dc2626', dark: '#f87171' };

type ReleaseShape = Pick<Deployment, 'deploymentType' | 'version' | 'previousVersion'>;

/**
 * One series per version, the new version first: stable and new side by side on one axis. A
 * version the record names (a rolled-back one included) keeps its line whatever its points.
 */
export function seriesByVersion(
  points: readonly MetricPoint[],
  deployment: ReleaseShape,
  t: Translate,
  dark = false,
): ChartSeries[] {
  const newVersion = deployment.version;
  const named = [newVersion, deployment.previousVersion].filter((v): v is string => v !== null);
  const versions = [...new Set([...named, ...points.map((p) => p.version)])].sort((a, b) =>
    a === newVersion ? -1 : b === newVersion ? 1 : a.localeCompare(b),
  );
  return versions.map((version) => {
    const isNew = version === newVersion;
    return {
      label: versionWithSide(deployment, version, isNew ? 'new' : 'stable', t),
      color: (isNew ? NEW_COLOR : STABLE_COLOR)[dark ? 'dark' : 'light'],
      points: points
        .filter((p) => p.version === version)
        .map((p) => [Date.parse(p.time), p.value] as const)
        .filter(([time]) => Number.isFinite(time)),
    };
  });
}

/** The steps that began, marked where they began, and the moment the release ended. */
export function releaseMarkers(deployment: Deployment, t: Translate): ChartMarker[] {
  const steps = deployment.progress.steps;
  const markers: ChartMarker[] = steps.flatMap((step, index) => {
    if (step.startTime === undefined || index === 0) return [];
    const time = Date.parse(step.startTime);
    if (!Number.isFinite(time)) return [];
    const label = step.weight === undefined ? String(index + 1) : `${String(step.weight)}%`;
    return [{ time, label, title: stepLabel(step, index, deployment, t), tone: 'step' as const }];
  });
  const end = deployment.endTime === null ? NaN : Date.parse(deployment.endTime);
  if (Number.isFinite(end)) {
    const bad = deployment.status === 'FAILED' || deployment.status === 'ROLLED_BACK';
    markers.push({
      time: end,
      label: bad ? '⟲' : '✓',
      title: t(`status.${deployment.status}`),
      tone: bad ? 'bad' : 'good',
    });
  }
  return markers;
}

/**
 * Seed 003's success-rate and response-time charts over the release's time: each version its
 * own line, the limits dashed, the steps and the end marked on the time axis. A live release's
 * axis runs to now, so the charts have their frame from its first second.
 */
export function TrendCharts({
  deployment,
  thresholds,
}: {
  deployment: Deployment;
  thresholds: Thresholds;
}) {
  const { t, number } = useI18n();
  const { dark } = useTheme();
  const now = useNow(deployment.endTime === null ? 5000 : null);
  const success = useMemo(
    () => seriesByVersion(deployment.metrics.successRate, deployment, t, dark),
    [deployment, t, dark],
  );
  const latency = useMemo(
    () => seriesByVersion(deployment.metrics.responseTime, deployment, t, dark),
    [deployment, t, dark],
  );
  const markers = useMemo(() => releaseMarkers(deployment, t), [deployment, t]);
  const start = Date.parse(deployment.startTime);
  const end = deployment.endTime === null ? now : Date.parse(deployment.endTime);
  const range =
    Number.isFinite(start) && Number.isFinite(end) ? ([start, end] as const) : undefined;
  const limitColor = LIMIT_COLOR[dark ? 'dark' : 'light'];
  const successLimit = thresholds.successRate;
  const latencyLimit = thresholds.latencyP99;
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <TimeChart
        title={t('release.charts.successRate')}
        axisLabel={t('release.charts.successAxis')}
        series={success}
        range={range}
        markers={markers}
        lines={
          successLimit
            ? [
                {
                  label: t('release.charts.limit', {
                    value: `≥ ${number(successLimit.value, 1)}%`,
                  }),
                  value: successLimit.value,
                  color: limitColor,
                },
              ]
            : []
        }
        format={(v) => `${number(v, 1)}%`}
        axisFormat={(v) => `${number(v, v % 1 === 0 ? 0 : 1)}%`}
        yMax={100}
      />
      <TimeChart
        title={t('release.charts.responseTime')}
        axisLabel={t('release.charts.latencyAxis')}
        series={latency}
        range={range}
        markers={markers}
        lines={
          latencyLimit
            ? [
                {
                  label: t('release.charts.p99Limit', {
                    value: `${number(latencyLimit.value)} ms`,
                  }),
                  value: latencyLimit.value,
                  color: limitColor,
                },
              ]
            : []
        }
        format={(v) => `${number(v, v < 10 ? 1 : 0)} ms`}
        axisFormat={(v) => number(v, 0)}
        yMin={0}
      />
    </div>
  );
}
