import { Time } from '../../ui/Time';
import { useMemo } from 'react';
import type { Deployment } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Card, Fact } from '../../ui/Card';
import { duration, elapsed } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { StatusBadge } from '../../ui/StatusBadge';
import { AnalysisTimeline, DecidingText } from './AnalysisTimeline';
import { ConfigPanel } from './ConfigPanel';
import { ReleaseActions } from './ReleaseActions';
import { ReasonText } from './reasons';
import { ReleaseLogs } from './ReleaseLogs';
import { ReleaseMetrics } from './ReleaseMetrics';
import { ResourcesPanel } from './ResourcesPanel';
import { stepLabel } from './stepNames';
import { StepTimeline } from './StepTimeline';
import { thresholdsFromConfig } from './thresholds';
import { TrendCharts } from './TrendCharts';

/**
 * Why a release ended as it did, or waits: said once, at the top. For a release that failed
 * its analysis, the look that decided it follows with its number.
 */
function WhyBanner({ deployment }: { deployment: Deployment }) {
  const { t, time } = useI18n();
  if (!deployment.reason) return null;
  const failed = deployment.status === 'FAILED' || deployment.status === 'ROLLED_BACK';
  if (!failed) {
    return (
      <p
        id="release-reason"
        className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm break-words text-amber-900 dark:bg-amber-950/60 dark:text-amber-100"
      >
        <span className="font-semibold">{t('release.reason')}: </span>
        <ReasonText reason={deployment.reason} />
      </p>
    );
  }
  const deciding = deployment.analysis.findLast((r) => r.verdict === 'fail');
  return (
    <div
      id="release-reason"
      role="note"
      className="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm break-words text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
    >
      <p className="font-semibold">
        {deployment.status === 'ROLLED_BACK'
          ? t('release.analysis.whyRolledBack')
          : t('release.analysis.whyFailed')}
      </p>
      <p>
        <ReasonText reason={deployment.reason} />
      </p>
      {deciding && (
        <p className="mt-1">
          <a href="#deciding-look" className="underline">
            {t('release.analysis.decidedBy', { time: time(deciding.time) })}
          </a>{' '}
          <DecidingText record={deciding} deployment={deployment} />
        </p>
      )}
    </div>
  );
}

/**
 * Everything about one release (seeds 000 and 003): what, where and why;
 * progress and steps; live metrics and their trends; the analysis verdicts;
 * configuration, resources and logs; and the actions.
 */
export function ReleaseDetail({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const thresholds = useMemo(() => thresholdsFromConfig(deployment.config), [deployment.config]);
  const steps = deployment.progress.steps;
  const stepIndex = Math.min(steps.length - 1, deployment.progress.currentStepIndex);
  const stepNumber = Math.min(steps.length, deployment.progress.currentStepIndex + 1);
  const currentStep = steps[stepIndex];
  const actual = deployment.resources.canary.traffic;
  const desired = deployment.canary.desiredWeight;
  const failed = deployment.status === 'FAILED' || deployment.status === 'ROLLED_BACK';
  return (
    <div className="space-y-4">
      <Card>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h2 className="text-lg font-semibold">
              {deployment.app} <span className="text-slate-600 dark:text-slate-400">·</span>{' '}
              {deployment.version}
            </h2>
            <div className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-700 dark:text-slate-300">
              <span>{deployment.environment}</span>
              <StatusBadge status={deployment.status} />
              <span className="text-slate-600 dark:text-slate-400">
                {t(`phase.${deployment.canary.phase}`)}
              </span>
            </div>
          </div>
          <ReleaseActions deployment={deployment} />
        </div>
        <WhyBanner deployment={deployment} />
        <dl className="mt-4 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
          <Fact label={t('release.id')}>{deployment.id}</Fact>
          <Fact label={t('release.strategy')}>{t(`strategy.${deployment.deploymentType}`)}</Fact>
          <Fact label={t('release.from')}>{deployment.previousVersion ?? '—'}</Fact>
          <Fact label={t('release.started')}>
            <Time value={deployment.startTime} />
          </Fact>
          <Fact label={t('release.duration')}>
            {duration(elapsed(deployment.startTime, deployment.endTime))}
          </Fact>
          <Fact label={t('release.executor')}>{deployment.executor}</Fact>
        </dl>
      </Card>

      <Card id="release-progress" title={t('release.progress.title')}>
        <div className="space-y-4">
          <div>
            <div className="mb-1 flex flex-wrap justify-between gap-2 text-sm">
              <span>
                {t('release.progress.traffic', { version: deployment.version })}{' '}
                <strong className="tabular-nums">{actual}%</strong>
              </span>
              <span className="text-slate-600 tabular-nums dark:text-slate-400">
                {t('release.progress.desired', { weight: desired })}
              </span>
            </div>
            <ProgressBar
              value={actual}
              target={desired}
              label={t('release.progress.trafficLabel', { actual, desired })}
              tone={failed ? 'red' : deployment.status === 'PAUSED' ? 'amber' : 'blue'}
            />
          </div>
          <div>
            <div className="mb-1 flex flex-wrap justify-between gap-2 text-sm">
              <span>
                {t('release.progress.step', { step: stepNumber, total: steps.length })}
                {currentStep ? ` · ${stepLabel(currentStep, stepIndex, deployment, t)}` : ''}
              </span>
              <span className="tabular-nums">{deployment.progress.percentage}%</span>
            </div>
            <ProgressBar
              value={deployment.progress.percentage}
              label={t('release.progress.stepsLabel', { percent: deployment.progress.percentage })}
              tone={deployment.status === 'COMPLETED' ? 'green' : failed ? 'red' : 'blue'}
            />
          </div>
        </div>
      </Card>

      <div className="grid gap-4 lg:grid-cols-5">
        <Card id="release-steps" title={t('release.steps.title')} className="lg:col-span-2">
          <StepTimeline deployment={deployment} />
        </Card>
        <div className="lg:col-span-3">
          <ReleaseMetrics deployment={deployment} />
        </div>
      </div>

      <Card id="release-trends" title={t('release.charts.title')}>
        <TrendCharts deployment={deployment} thresholds={thresholds} />
      </Card>

      <Card id="release-analysis" title={t('release.analysis.title')}>
        <AnalysisTimeline deployment={deployment} />
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card id="release-resources" title={t('release.resources.title')}>
          <ResourcesPanel deployment={deployment} />
        </Card>
        <Card id="release-config" title={t('release.config.title')}>
          <ConfigPanel deployment={deployment} thresholds={thresholds} />
        </Card>
      </div>

      <Card id="release-logs" title={t('release.logs.title')}>
        <ReleaseLogs deployment={deployment} />
      </Card>
    </div>
  );
}
