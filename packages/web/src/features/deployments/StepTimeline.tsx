import { Time } from '../../ui/Time';
import type { Deployment, StepStatus } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { cx } from '../../ui/cx';
import { duration, elapsed } from '../../ui/format';
import { ReasonText } from './reasons';
import { stepLabel } from './stepNames';

const MARKERS: Record<StepStatus, { symbol: string; className: string }> = {
  COMPLETED: {
    symbol: '✓',
    className: 'bg-green-600 text-white dark:bg-green-500 dark:text-slate-950',
  },
  RUNNING: {
    symbol: '●',
    className:
      'bg-blue-600 text-white ring-4 ring-blue-200 dark:bg-blue-400 dark:text-slate-950 dark:ring-blue-900',
  },
  FAILED: { symbol: '✕', className: 'bg-red-600 text-white dark:bg-red-500 dark:text-slate-950' },
  SKIPPED: {
    symbol: '–',
    className: 'bg-slate-300 text-slate-700 dark:bg-slate-700 dark:text-slate-200',
  },
  PENDING: {
    symbol: '',
    className: 'border-2 border-slate-300 bg-white dark:border-slate-600 dark:bg-slate-900',
  },
};

/**
 * Seed 000's timeline of a release's steps: done steps green, the current one
 * blue, those to come grey; each with its times (seed 003: "10:00–10:05",
 * "10:25–running") and what it does. The step that ended the release does not
 * repeat why: the page says it once, at the top.
 */
export function StepTimeline({
  deployment,
  now = Date.now(),
}: {
  deployment: Pick<
    Deployment,
    'deploymentType' | 'version' | 'previousVersion' | 'progress' | 'reason'
  >;
  now?: number;
}) {
  const { t } = useI18n();
  const steps = deployment.progress.steps;
  if (steps.length === 0) {
    return <p className="text-sm text-slate-600 dark:text-slate-400">{t('release.steps.none')}</p>;
  }
  return (
    <ol className="relative space-y-0" aria-label={t('release.steps.title')}>
      {steps.map((step, index) => {
        const marker = MARKERS[step.status];
        const took = step.startTime ? elapsed(step.startTime, step.endTime ?? null, now) : null;
        const facts = [
          step.weight !== undefined ? t('release.steps.weight', { weight: step.weight }) : null,
          step.pauseSeconds === null
            ? t('release.steps.waitsForPromote')
            : step.pauseSeconds !== undefined
              ? t('release.steps.pause', { duration: duration(step.pauseSeconds * 1000) })
              : null,
          step.analysis ? t('release.steps.analysis') : null,
        ].filter((fact): fact is string => fact !== null);
        return (
          <li
            key={`${index}-${step.name}`}
            aria-current={step.status === 'RUNNING' ? 'step' : undefined}
            data-status={step.status}
            className="relative flex gap-3 pb-4 last:pb-0"
          >
            {index < steps.length - 1 && (
              <span
                aria-hidden="true"
                className={cx(
                  'absolute top-6 left-[11px] h-[calc(100%-1.25rem)] w-0.5',
                  step.status === 'COMPLETED' ? 'bg-green-500' : 'bg-slate-200 dark:bg-slate-700',
                )}
              />
            )}
            <span
              aria-hidden="true"
              className={cx(
                'relative z-10 mt-0.5 grid size-6 shrink-0 place-items-center rounded-full text-xs font-bold',
                marker.className,
                step.status === 'RUNNING' && 'animate-pulse',
              )}
            >
              {marker.symbol}
            </span>
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-baseline gap-x-2">
                <span
                  className={cx(
                    'font-medium',
                    step.status === 'PENDING' && 'text-slate-600 dark:text-slate-400',
                    step.status === 'RUNNING' && 'text-blue-800 dark:text-blue-300',
                    step.status === 'FAILED' && 'text-red-700 dark:text-red-400',
                  )}
                >
                  {stepLabel(step, index, deployment, t)}
                </span>
                <span className="sr-only">{t(`stepStatus.${step.status}`)}</span>
                <span className="text-xs text-slate-600 tabular-nums dark:text-slate-400">
                  {step.startTime ? (
                    <>
                      <Time value={step.startTime} format="time" />
                      {' – '}
                      {step.endTime ? (
                        <Time value={step.endTime} format="time" />
                      ) : (
                        t('release.steps.inProgress')
                      )}
                    </>
                  ) : (
                    t('release.steps.notStarted')
                  )}
                  {took !== null && ` (${duration(took)})`}
                </span>
              </div>
              {facts.length > 0 && (
                <p className="text-xs text-slate-600 dark:text-slate-400">{facts.join(' · ')}</p>
              )}
              {step.detail && step.detail === deployment.reason ? (
                <p className="mt-0.5 text-sm text-red-700 dark:text-red-400">
                  <a href="#release-reason" className="underline">
                    {t('release.steps.seeReason')}
                  </a>
                </p>
              ) : (
                step.detail && (
                  <p className="mt-0.5 text-sm break-words text-slate-700 dark:text-slate-300">
                    <ReasonText reason={step.detail} />
                  </p>
                )
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
