import type { Deployment } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Fact } from '../../ui/Card';
import { formatMetric } from './MetricCards';
import { METRICS, type Thresholds } from './thresholds';

interface StepConfig {
  weight?: number;
  pause?: unknown;
  pauseMs?: number | null;
}

/** Seed 000's configuration and threshold panels: what is released, how, and what rolls it back. */
export function ConfigPanel({
  deployment,
  thresholds,
}: {
  deployment: Deployment;
  thresholds: Thresholds;
}) {
  const { t, number } = useI18n();
  const config = deployment.config;
  const strategy = config.strategy as {
    type?: string;
    canary?: { preset?: string | null; steps?: StepConfig[] };
  };
  const steps = strategy.canary?.steps ?? [];
  const autoRollback = config.autoRollback;
  return (
    <div className="space-y-4">
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Fact label={t('release.config.target')}>{deployment.app}</Fact>
        <Fact label={t('release.config.version')}>{deployment.version}</Fact>
        <Fact label={t('release.config.strategy')}>
          {t(`strategy.${deployment.deploymentType}`)}
          {strategy.canary?.preset ? ` · ${strategy.canary.preset}` : ''}
        </Fact>
        <Fact label={t('release.config.autoRollback')}>
          {autoRollback ? t('common.on') : t('common.off')}
        </Fact>
      </dl>
      {steps.length > 0 && (
        <p className="text-sm">
          <span className="text-slate-600 dark:text-slate-400">{t('release.config.steps')}: </span>
          {steps.map((s) => `${s.weight ?? '?'}%`).join(' → ')}
        </p>
      )}
      <div>
        <h3 className="mb-1 text-sm font-semibold">{t('release.config.thresholds')}</h3>
        <ul className="flex flex-wrap gap-2 text-xs">
          {METRICS.filter((m) => thresholds[m]).map((metric) => {
            const threshold = thresholds[metric];
            if (!threshold) return null;
            return (
              <li key={metric} className="rounded-md bg-slate-100 px-2 py-1 dark:bg-slate-800">
                {t(`metric.${metric}`)} {threshold.comparator === '>=' ? '≥' : '≤'}{' '}
                {formatMetric(metric, threshold.value, number)}
              </li>
            );
          })}
        </ul>
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-700 dark:text-slate-300">
          {t('release.config.raw')}
        </summary>
        <pre
          tabIndex={0}
          className="relative mt-2 max-h-80 overflow-auto rounded-md bg-slate-100 p-3 text-xs dark:bg-slate-950"
        >
          {JSON.stringify(config, null, 2)}
        </pre>
      </details>
    </div>
  );
}
