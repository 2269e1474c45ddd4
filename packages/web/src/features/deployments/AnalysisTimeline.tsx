import type { AnalysisCheck, AnalysisRecord, Deployment } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { cx } from '../../ui/cx';
import { ScrollArea } from '../../ui/ScrollArea';
import { StatusBadge } from '../../ui/StatusBadge';
import { decidingOf, looksByStep } from './looks';
import { formatMetric } from './MetricCards';
import { ReasonText } from './reasons';
import { sideWord, versionWithSide } from './sides';
import { stepLabel } from './stepNames';
import { checkValueInDisplayUnit, METRICS, type MetricName } from './thresholds';

function isMetric(name: string): name is MetricName {
  return (METRICS as readonly string[]).includes(name);
}

/** A check's value or threshold in the unit the cards show. */
function useShowCheck() {
  const { number } = useI18n();
  return (check: AnalysisCheck, value: number | null) =>
    isMetric(check.metric)
      ? formatMetric(check.metric, checkValueInDisplayUnit(check.metric, value), number)
      : String(value ?? '—');
}

/** `Success rate 87.1% < 95.0%`: the metric, its value, and how it stands against its threshold. */
function CheckSentence({ check }: { check: AnalysisCheck }) {
  const { t } = useI18n();
  const show = useShowCheck();
  const holds = check.verdict !== 'fail';
  const sign = check.comparator === '>=' ? (holds ? '≥' : '<') : holds ? '≤' : '>';
  return (
    <>
      {isMetric(check.metric) ? t(`metric.${check.metric}`) : check.metric}{' '}
      <strong className="tabular-nums">{show(check, check.value)}</strong>{' '}
      <span className="tabular-nums">
        {sign} {show(check, check.threshold)}
      </span>
    </>
  );
}

/** The number that decided a look, in one phrase. */
export function DecidingText({
  record,
  deployment,
}: {
  record: AnalysisRecord;
  deployment: Deployment;
}) {
  const { t } = useI18n();
  const deciding = decidingOf(record);
  const other =
    deployment.previousVersion === null
      ? sideWord(deployment, 'stable', t)
      : versionWithSide(deployment, deployment.previousVersion, 'stable', t);
  switch (deciding.kind) {
    case 'check':
      return <CheckSentence check={deciding.check} />;
    case 'comparison':
      return (
        <>
          {deciding.which === 'errors'
            ? t('release.analysis.moreErrors', { other })
            : t('release.analysis.slower', { other })}
        </>
      );
    case 'fewRequests':
      return (
        <>
          {t('release.analysis.fewRequests', {
            requests: deciding.requests,
            needed: deployment.config.analysis.minRequests,
          })}
        </>
      );
    case 'none':
      return <ReasonText reason={record.reason} />;
  }
}

/** Everything a look held, shown when its line is opened. */
function LookDetails({ record, deployment }: { record: AnalysisRecord; deployment: Deployment }) {
  const { t } = useI18n();
  const show = useShowCheck();
  const comparison = [record.comparison?.errorTest, record.comparison?.latency].flatMap((c) =>
    c ? [c.evidence] : [],
  );
  return (
    <div className="mt-1 mb-2 space-y-2 border-l-2 border-slate-200 pl-3 text-xs dark:border-slate-700">
      {record.checks.length > 0 && (
        <ul className="space-y-0.5">
          {record.checks.map((check) => (
            <li key={check.metric} className="flex flex-wrap items-baseline gap-x-2">
              <StatusBadge status={check.verdict} />
              <span>
                <CheckSentence check={check} />
              </span>
              <span className="text-slate-600 dark:text-slate-400">
                {t('release.analysis.thresholdIs', {
                  threshold: `${check.comparator === '>=' ? '≥' : '≤'} ${show(check, check.threshold)}`,
                })}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="text-slate-700 dark:text-slate-300">
        {t('release.analysis.requests', {
          version: versionWithSide(deployment, deployment.version, 'new', t),
          requests: record.canary.requests,
          errors: record.canary.errors,
        })}
        {record.baseline !== null &&
          deployment.previousVersion !== null &&
          ` · ${t('release.analysis.requests', {
            version: versionWithSide(deployment, deployment.previousVersion, 'stable', t),
            requests: record.baseline.requests,
            errors: record.baseline.errors,
          })}`}
      </p>
      {comparison.length > 0 && (
        <div>
          <p className="font-medium">
            {t('release.analysis.comparison', {
              other:
                deployment.previousVersion === null
                  ? sideWord(deployment, 'stable', t)
                  : versionWithSide(deployment, deployment.previousVersion, 'stable', t),
            })}
          </p>
          <ul className="list-inside list-disc break-words">
            {comparison.map((evidence) => (
              <li key={evidence}>
                <ReasonText reason={evidence} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

/** One look: its time, verdict and deciding number on one line; the rest on demand. */
function LookLine({
  record,
  deployment,
  deciding,
}: {
  record: AnalysisRecord;
  deployment: Deployment;
  deciding: boolean;
}) {
  const { time, dateTime } = useI18n();
  return (
    <li
      id={deciding ? 'deciding-look' : undefined}
      data-verdict={record.verdict}
      className={cx(
        'rounded px-1.5',
        deciding && 'bg-red-50 ring-1 ring-red-300 dark:bg-red-950/50 dark:ring-red-800',
      )}
    >
      <details>
        <summary className="flex cursor-pointer flex-wrap items-baseline gap-x-2 py-1 text-sm">
          <time
            dateTime={record.time}
            title={dateTime(record.time)}
            className="text-xs text-slate-600 tabular-nums dark:text-slate-400"
          >
            {time(record.time)}
          </time>
          <StatusBadge status={record.verdict} />
          <span className="min-w-0">
            <DecidingText record={record} deployment={deployment} />
          </span>
        </summary>
        <LookDetails record={record} deployment={deployment} />
      </details>
    </li>
  );
}

/**
 * The analysis as a short timeline: the looks grouped by step, newest first, one line each
 * (verdict, the number that decided it, its threshold) with the evidence on demand. The list
 * scrolls in a box of bounded height, however many looks a long release takes.
 */
export function AnalysisTimeline({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const records = deployment.analysis;
  if (records.length === 0) {
    return (
      <p className="text-sm text-slate-600 dark:text-slate-400">{t('release.analysis.none')}</p>
    );
  }
  const failed = deployment.status === 'FAILED' || deployment.status === 'ROLLED_BACK';
  const decidingLook = failed ? records.findLast((r) => r.verdict === 'fail') : undefined;
  const count = (verdict: AnalysisRecord['verdict']) =>
    records.filter((r) => r.verdict === verdict).length;
  return (
    <div className="space-y-2">
      <p className="text-xs text-slate-600 dark:text-slate-400">
        {t('release.analysis.summary', {
          looks: records.length,
          passed: count('pass'),
          inconclusive: count('inconclusive'),
          failed: count('fail'),
        })}
      </p>
      <ScrollArea label={t('release.analysis.looks')} className="max-h-[26rem]">
        <ol className="space-y-2 pr-1">
          {looksByStep(records).map((group) => {
            const step = deployment.progress.steps[group.step];
            return (
              <li key={`${String(group.step)}-${group.looks[0]?.time ?? ''}`}>
                <h3 className="sticky top-0 z-10 bg-white py-1 text-xs font-semibold text-slate-700 dark:bg-slate-900 dark:text-slate-300">
                  {step === undefined
                    ? t('release.analysis.step', { step: group.step + 1 })
                    : stepLabel(step, group.step, deployment, t)}{' '}
                  <span className="font-normal text-slate-600 dark:text-slate-400">
                    · {t('release.analysis.lookCount', { count: group.looks.length })}
                  </span>
                </h3>
                <ol>
                  {group.looks.map((record) => (
                    <LookLine
                      key={record.time}
                      record={record}
                      deployment={deployment}
                      deciding={record === decidingLook}
                    />
                  ))}
                </ol>
              </li>
            );
          })}
        </ol>
      </ScrollArea>
    </div>
  );
}
