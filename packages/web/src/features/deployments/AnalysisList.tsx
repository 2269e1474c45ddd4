import type { AnalysisCheck, AnalysisRecord, Deployment } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { ScrollArea } from '../../ui/ScrollArea';
import { StatusBadge } from '../../ui/StatusBadge';
import { formatMetric } from './MetricCards';
import { checkValueInDisplayUnit, METRICS, type MetricName } from './thresholds';

function isMetric(name: string): name is MetricName {
  return (METRICS as readonly string[]).includes(name);
}

function CheckRow({ check }: { check: AnalysisCheck }) {
  const { t, number } = useI18n();
  const show = (value: number | null) =>
    isMetric(check.metric)
      ? formatMetric(check.metric, checkValueInDisplayUnit(check.metric, value), number)
      : String(value ?? '—');
  return (
    <tr className="border-t border-slate-200 align-top dark:border-slate-800">
      <th scope="row" className="py-1.5 pr-3 text-left font-medium">
        {isMetric(check.metric) ? t(`metric.${check.metric}`) : check.metric}
      </th>
      <td className="py-1.5 pr-3 tabular-nums">{show(check.value)}</td>
      <td className="py-1.5 pr-3 tabular-nums whitespace-nowrap">
        {check.comparator === '>=' ? '≥' : '≤'} {show(check.threshold)}
      </td>
      <td className="py-1.5 pr-3">
        <StatusBadge status={check.verdict} />
      </td>
      <td className="py-1.5 text-slate-700 dark:text-slate-300">{check.evidence}</td>
    </tr>
  );
}

function Record({ record }: { record: AnalysisRecord }) {
  const { t, time } = useI18n();
  const comparison = [record.comparison?.errorTest, record.comparison?.latency].flatMap((c) =>
    c ? [c.evidence] : [],
  );
  return (
    <li
      className="rounded-md border border-slate-200 p-3 dark:border-slate-800"
      data-verdict={record.verdict}
    >
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <StatusBadge status={record.verdict} />
        <span className="tabular-nums text-slate-600 dark:text-slate-400">{time(record.time)}</span>
        <span className="text-slate-600 dark:text-slate-400">
          {t('release.analysis.step', { step: record.step + 1 })}
        </span>
      </div>
      {record.reason && <p className="mt-1 text-sm">{record.reason}</p>}
      {record.checks.length > 0 && (
        <ScrollArea label={t('release.analysis.step', { step: record.step + 1 })} className="mt-2">
          <table className="w-full min-w-[34rem] text-xs">
            <thead>
              <tr className="text-left text-slate-600 dark:text-slate-400">
                <th scope="col" className="pr-3 font-medium">
                  {t('release.analysis.metric')}
                </th>
                <th scope="col" className="pr-3 font-medium">
                  {t('release.analysis.value')}
                </th>
                <th scope="col" className="pr-3 font-medium">
                  {t('release.analysis.threshold')}
                </th>
                <th scope="col" className="pr-3 font-medium">
                  {t('release.analysis.verdict')}
                </th>
                <th scope="col" className="font-medium">
                  {t('release.analysis.evidence')}
                </th>
              </tr>
            </thead>
            <tbody>
              {record.checks.map((check) => (
                <CheckRow key={check.metric} check={check} />
              ))}
            </tbody>
          </table>
        </ScrollArea>
      )}
      {comparison.length > 0 && (
        <div className="mt-2 text-xs text-slate-700 dark:text-slate-300">
          <p className="font-medium">{t('release.analysis.comparison')}</p>
          <ul className="list-inside list-disc">
            {comparison.map((evidence) => (
              <li key={evidence}>{evidence}</li>
            ))}
          </ul>
        </div>
      )}
    </li>
  );
}

/**
 * The analysis looks, newest first, each with its checks and evidence; when
 * the release failed, why it rolled back comes first.
 */
export function AnalysisList({ deployment }: { deployment: Deployment }) {
  const { t } = useI18n();
  const records = [...deployment.analysis].reverse();
  const failedAt = records.find((r) => r.verdict === 'fail');
  const failed = deployment.status === 'FAILED' || deployment.status === 'ROLLED_BACK';
  return (
    <div className="space-y-3">
      {failed && (
        <div
          role="note"
          className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
        >
          <p className="font-semibold">{t('release.analysis.whyRolledBack')}</p>
          <p>{deployment.reason ?? failedAt?.reason ?? t('release.analysis.noReason')}</p>
          {failedAt && (
            <ul className="mt-1 list-inside list-disc text-xs">
              {failedAt.checks
                .filter((c) => c.verdict === 'fail')
                .map((c) => (
                  <li key={c.metric}>{c.evidence}</li>
                ))}
            </ul>
          )}
        </div>
      )}
      {records.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">{t('release.analysis.none')}</p>
      ) : (
        <ol className="space-y-2">
          {records.map((record) => (
            <Record key={`${record.time}-${record.step}`} record={record} />
          ))}
        </ol>
      )}
    </div>
  );
}
