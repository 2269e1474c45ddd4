import { useMemo, type ReactNode } from 'react';
import type { Deployment, LiveMetricValues, LiveMetrics } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Card } from '../../ui/Card';
import { duration } from '../../ui/format';
import { Empty, ErrorState, Loading } from '../../ui/states';
import { MetricCards } from './MetricCards';
import { useLiveMetrics } from './queries';
import { sideWord } from './sides';
import { thresholdsFromConfig } from './thresholds';

const ACTIVE = new Set(['PENDING', 'RUNNING', 'PAUSED']);

/** The stable version's metrics from `versions`, whichever shape the server gives them. */
export function stableMetrics(
  metrics: LiveMetrics | undefined,
  stableVersion: string | null,
): Partial<LiveMetricValues> | null {
  const versions = metrics?.versions;
  if (!versions || stableVersion === null) return null;
  if (Array.isArray(versions)) return versions.find((v) => v.version === stableVersion) ?? null;
  return versions[stableVersion] ?? null;
}

/** A moving release: the app's metrics now, polled while it moves. */
function LiveCards({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const thresholds = useMemo(() => thresholdsFromConfig(deployment.config), [deployment.config]);
  const metrics = useLiveMetrics(deployment.app, deployment.environment, true);
  if (metrics.isPending) return <Loading />;
  if (metrics.isError)
    return (
      <ErrorState
        error={metrics.error}
        notAvailable={t('release.metrics.unavailable')}
        onRetry={() => {
          void metrics.refetch();
        }}
      />
    );
  return (
    <MetricCards
      values={metrics.data}
      stable={stableMetrics(metrics.data, deployment.previousVersion)}
      stableLabel={sideWord(deployment, 'stable', t)}
      thresholds={thresholds}
    />
  );
}

/**
 * A release that has ended: the last window measured before it ended, never the app's
 * numbers now (which are the stable version's once a release rolled back).
 */
function FinalCards({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const thresholds = useMemo(() => thresholdsFromConfig(deployment.config), [deployment.config]);
  const measured = deployment.latestWindow;
  const values = measured?.versions[deployment.version];
  if (measured === null || measured === undefined || values === undefined) {
    return <Empty title={t('release.metrics.noWindow')}>{t('release.metrics.noWindowHint')}</Empty>;
  }
  const stable =
    deployment.previousVersion === null ? null : measured.versions[deployment.previousVersion];
  return (
    <MetricCards
      values={values}
      stable={stable ?? null}
      stableLabel={sideWord(deployment, 'stable', t)}
      thresholds={thresholds}
    />
  );
}

/**
 * Seed 000's metric cards under a release. While it moves they are live; once it has ended
 * they show its final window, labelled with its times, so what made it roll back is what
 * the cards say.
 */
export function ReleaseMetrics({ deployment }: { deployment: Deployment }) {
  const { t, time, dateTime } = useI18n();
  const live = ACTIVE.has(deployment.status);
  const measured = deployment.latestWindow;
  let subtitle: ReactNode = null;
  if (live) {
    subtitle = t('release.metrics.liveHint', { version: deployment.version });
  } else if (measured) {
    const seconds = (Date.parse(measured.to) - Date.parse(measured.from)) / 1000;
    subtitle = (
      <>
        <time dateTime={measured.from} title={dateTime(measured.from)}>
          {time(measured.from)}
        </time>
        {' – '}
        <time dateTime={measured.to} title={dateTime(measured.to)}>
          {time(measured.to)}
        </time>
        {` · ${t('release.metrics.finalHint', {
          duration: duration(seconds * 1000),
          status: t(`status.${deployment.status}`),
        })}`}
      </>
    );
  }
  let body: ReactNode;
  if (live) body = <LiveCards deployment={deployment} />;
  else body = <FinalCards deployment={deployment} />;
  return (
    <Card
      id="release-metrics"
      title={live ? t('release.metrics.title') : t('release.metrics.finalTitle')}
    >
      <div data-window={live ? 'live' : 'final'}>
        {subtitle !== null && (
          <p className="mb-3 text-xs text-slate-600 dark:text-slate-400">{subtitle}</p>
        )}
        {body}
      </div>
    </Card>
  );
}
