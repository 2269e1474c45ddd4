import type { LiveMetricValues } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import type { MessageKey } from '../../i18n/en';
import { cx } from '../../ui/cx';
import { METRICS, metricHealth, type Health, type MetricName, type Thresholds } from './thresholds';

const HEALTH_CLASSES: Record<Health, string> = {
  good: 'border-green-300 bg-green-50 dark:border-green-800 dark:bg-green-950/50',
  warning: 'border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950/50',
  bad: 'border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950/50',
  unknown: 'border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900',
};
const VALUE_CLASSES: Record<Health, string> = {
  good: 'text-green-800 dark:text-green-300',
  warning: 'text-amber-900 dark:text-amber-200',
  bad: 'text-red-800 dark:text-red-300',
  unknown: 'text-slate-900 dark:text-slate-100',
};

/** A metric's value in its unit: `99.5%`, `45 ms`, `1,250/s`. */
export function formatMetric(
  metric: MetricName,
  value: number | null | undefined,
  number: (v: number, d?: number) => string,
): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (metric === 'successRate' || metric === 'errorRate')
    return `${number(value, value > 0 && value < 1 ? 2 : 1)}%`;
  if (metric === 'requestRate') return `${number(value, value < 10 ? 1 : 0)}/s`;
  return `${number(value, value < 10 ? 1 : 0)} ms`;
}

/**
 * Seed 000's six live metric cards, each coloured by its threshold: green
 * within it, yellow just past it, red well past it (see thresholds.ts). With
 * `stable`, each card also shows the stable version's value beside it.
 */
export function MetricCards({
  values,
  stable,
  stableLabel,
  thresholds,
}: {
  values: Partial<LiveMetricValues>;
  stable?: Partial<LiveMetricValues> | null;
  /** What the other side is called (`stable`, `green`). */
  stableLabel?: string;
  thresholds: Thresholds;
}) {
  const { t, number } = useI18n();
  return (
    <ul className="grid grid-cols-2 gap-3 sm:grid-cols-3">
      {METRICS.map((metric) => {
        const value = values[metric];
        const health = metricHealth(metric, value, thresholds);
        const threshold = thresholds[metric];
        return (
          <li
            key={metric}
            data-metric={metric}
            data-health={health}
            className={cx('rounded-lg border p-3', HEALTH_CLASSES[health])}
          >
            <p className="text-xs font-medium text-slate-700 dark:text-slate-300">
              {t(`metric.${metric}` as MessageKey)}
            </p>
            <p
              className={cx(
                'mt-1 text-xl font-semibold whitespace-nowrap tabular-nums',
                VALUE_CLASSES[health],
              )}
            >
              {formatMetric(metric, value, number)}
            </p>
            <p className="mt-0.5 text-xs text-slate-600 dark:text-slate-400">
              {threshold
                ? `${threshold.comparator === '>=' ? '≥' : '≤'} ${formatMetric(metric, threshold.value, number)}`
                : t('metric.noThreshold')}
              {health !== 'unknown' && <span className="sr-only"> — {t(`health.${health}`)}</span>}
            </p>
            {stable && stable[metric] !== undefined && (
              <p className="mt-0.5 text-xs text-slate-600 dark:text-slate-400">
                {stableLabel ?? t('metric.stable')}: {formatMetric(metric, stable[metric], number)}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
