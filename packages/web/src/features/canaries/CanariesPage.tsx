import { useMemo, useState } from 'react';
import { Link, useParams } from 'wouter';
import { CANARY_PHASES, type CanaryPhase, type CanarySummary } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Card, PageHeader } from '../../ui/Card';
import { cx } from '../../ui/cx';
import { inputClass } from '../../ui/Field';
import { ProgressBar } from '../../ui/ProgressBar';
import { Empty, ErrorState, Loading, QueryView } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { useCanaries, useDeployment, useLatestDeploymentId } from '../deployments/queries';
import { ReleaseDetail } from '../deployments/ReleaseDetail';

/** Seed 000's list filter: by name or namespace, and by phase. */
export function filterCanaries(
  list: readonly CanarySummary[],
  q: string,
  phase: CanaryPhase | '',
): CanarySummary[] {
  const needle = q.trim().toLowerCase();
  return list.filter(
    (c) =>
      (phase === '' || c.phase === phase) &&
      (needle === '' ||
        c.name.toLowerCase().includes(needle) ||
        c.namespace.toLowerCase().includes(needle)),
  );
}

function Detail({ namespace, name }: { namespace: string; name: string }) {
  const { t } = useI18n();
  const latest = useLatestDeploymentId(name, namespace);
  const deployment = useDeployment(latest.data ?? null);
  if (latest.isPending) return <Loading />;
  if (latest.isError)
    return (
      <ErrorState
        error={latest.error}
        notAvailable={t('deployments.unavailable')}
        onRetry={() => {
          void latest.refetch();
        }}
      />
    );
  if (latest.data === null) return <Empty title={t('canaries.noRelease')} />;
  return (
    <QueryView query={deployment}>{(record) => <ReleaseDetail deployment={record} />}</QueryView>
  );
}

/** `/canaries`: seed 000's layout, the list on the left and the chosen release on the right. */
export function CanariesPage() {
  const { t } = useI18n();
  const params = useParams<{ namespace?: string; name?: string }>();
  const selected =
    params.namespace && params.name ? { namespace: params.namespace, name: params.name } : null;
  const query = useCanaries();
  const [q, setQ] = useState('');
  const [phase, setPhase] = useState<CanaryPhase | ''>('');
  const shown = useMemo(() => filterCanaries(query.data ?? [], q, phase), [query.data, q, phase]);

  return (
    <>
      <PageHeader title={t('canaries.title')} subtitle={t('canaries.subtitle')} />
      <div className="grid gap-4 lg:grid-cols-[18rem_1fr]">
        <Card bodyClassName="p-3">
          <div className="space-y-2">
            <label className="block text-xs font-medium">
              {t('canaries.search')}
              <input
                type="search"
                className={inputClass}
                value={q}
                placeholder={t('canaries.searchPlaceholder')}
                onChange={(event) => {
                  setQ(event.target.value);
                }}
              />
            </label>
            <label className="block text-xs font-medium">
              {t('canaries.phase')}
              <select
                className={inputClass}
                value={phase}
                onChange={(event) => {
                  setPhase(event.target.value as CanaryPhase | '');
                }}
              >
                <option value="">{t('canaries.allPhases')}</option>
                {CANARY_PHASES.map((p) => (
                  <option key={p} value={p}>
                    {t(`phase.${p}`)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="mt-3">
            <QueryView
              query={query}
              notAvailable={t('canaries.unavailable')}
              isEmpty={(list) => list.length === 0}
              empty={<Empty title={t('canaries.empty')}>{t('canaries.emptyHint')}</Empty>}
            >
              {() =>
                shown.length === 0 ? (
                  <p className="py-4 text-center text-sm text-slate-600 dark:text-slate-400">
                    {t('canaries.noMatch')}
                  </p>
                ) : (
                  <ul className="space-y-1" aria-label={t('canaries.list')}>
                    {shown.map((c) => {
                      const current =
                        selected?.namespace === c.namespace && selected.name === c.name;
                      return (
                        <li key={`${c.namespace}/${c.name}`}>
                          <Link
                            href={`/canaries/${encodeURIComponent(c.namespace)}/${encodeURIComponent(c.name)}`}
                            aria-current={current ? 'page' : undefined}
                            className={cx(
                              'block rounded-md px-3 py-2 text-sm',
                              current
                                ? 'bg-blue-50 ring-1 ring-blue-300 dark:bg-blue-950 dark:ring-blue-800'
                                : 'hover:bg-slate-100 dark:hover:bg-slate-800',
                            )}
                          >
                            <div className="flex items-center justify-between gap-2">
                              <span className="truncate font-medium">{c.name}</span>
                              <span className="text-xs tabular-nums">{c.currentWeight}%</span>
                            </div>
                            <div className="mt-1 flex items-center justify-between gap-2 text-xs text-slate-600 dark:text-slate-400">
                              <span className="truncate">{c.namespace}</span>
                              <StatusBadge status={c.phase} />
                            </div>
                            <div className="mt-1.5">
                              <ProgressBar
                                value={c.currentWeight}
                                label={t('canaries.weight', {
                                  name: c.name,
                                  weight: c.currentWeight,
                                })}
                              />
                            </div>
                          </Link>
                        </li>
                      );
                    })}
                  </ul>
                )
              }
            </QueryView>
          </div>
        </Card>
        <div className="min-w-0">
          {selected ? (
            <Detail namespace={selected.namespace} name={selected.name} />
          ) : (
            <Empty title={t('canaries.pick')}>{t('canaries.pickHint')}</Empty>
          )}
        </div>
      </div>
    </>
  );
}
