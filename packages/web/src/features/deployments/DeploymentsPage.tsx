import { Time } from '../../ui/Time';
import { useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'wouter';
import { download, withQuery } from '../../api/client';
import type { DeploymentRow } from '../../api/types';
import { useI18n, type Translate } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { Card, PageHeader } from '../../ui/Card';
import { inputClass } from '../../ui/Field';
import { duration, elapsed } from '../../ui/format';
import { Icon } from '../../ui/Icon';
import { ScrollArea } from '../../ui/ScrollArea';
import { Empty, ErrorMessage, ErrorState, Loading } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import {
  deploymentQuery,
  filtersFromSearch,
  filtersToSearch,
  isFiltered,
  STATUS_GROUPS,
  statusesOf,
  TIME_RANGES,
  type DeploymentFilters,
  type StatusFilter,
} from './filters';
import { useDeploymentPage, useEnvironments } from './queries';

/** The overview's groups first, then each status; one the URL asks for is offered too. */
function statusChoices(current: StatusFilter): StatusFilter[] {
  const choices: StatusFilter[] = [
    STATUS_GROUPS.inProgress,
    STATUS_GROUPS.paused,
    STATUS_GROUPS.completed,
    STATUS_GROUPS.failed,
    'ROLLED_BACK',
    'FAILED',
  ];
  return current === '' || choices.includes(current) ? choices : [...choices, current];
}

function statusChoiceLabel(choice: StatusFilter, t: Translate): string {
  if (choice === STATUS_GROUPS.inProgress) return t('deployments.status.inProgress');
  if (choice === STATUS_GROUPS.failed) return t('deployments.status.failedOrRolledBack');
  return statusesOf(choice)
    .map((s) => t(`status.${s}`))
    .join(' / ');
}

/** Seed 003's filter bar: environment, status, time range, and a search box. */
export function DeploymentFilterBar({
  filters,
  environments,
  onChange,
}: {
  filters: DeploymentFilters;
  environments: readonly string[];
  onChange: (next: DeploymentFilters) => void;
}) {
  const { t } = useI18n();
  const [q, setQ] = useState(filters.q);
  useEffect(() => {
    setQ(filters.q);
  }, [filters.q]);
  // The search waits for a pause in typing before it asks the server.
  useEffect(() => {
    if (q === filters.q) return;
    const timer = setTimeout(() => {
      onChange({ ...filters, q });
    }, 300);
    return () => {
      clearTimeout(timer);
    };
  }, [q, filters, onChange]);
  const select = `${inputClass} sm:w-auto`;
  return (
    <form
      role="search"
      aria-label={t('deployments.filters')}
      className="grid gap-2 sm:flex sm:flex-wrap sm:items-end"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ ...filters, q });
      }}
    >
      <label className="block text-xs font-medium">
        {t('deployments.environment')}
        <select
          className={select}
          value={filters.environment}
          onChange={(event) => {
            onChange({ ...filters, environment: event.target.value });
          }}
        >
          <option value="">{t('deployments.allEnvironments')}</option>
          {environments.map((env) => (
            <option key={env} value={env}>
              {env}
            </option>
          ))}
        </select>
      </label>
      <label className="block text-xs font-medium">
        {t('deployments.status')}
        <select
          className={select}
          value={filters.status}
          onChange={(event) => {
            onChange({ ...filters, status: event.target.value });
          }}
        >
          <option value="">{t('deployments.allStatuses')}</option>
          {statusChoices(filters.status).map((choice) => (
            <option key={choice} value={choice}>
              {statusChoiceLabel(choice, t)}
            </option>
          ))}
        </select>
      </label>
      <label className="block text-xs font-medium">
        {t('deployments.range')}
        <select
          className={select}
          value={filters.range}
          onChange={(event) => {
            onChange({ ...filters, range: event.target.value as DeploymentFilters['range'] });
          }}
        >
          {TIME_RANGES.map((r) => (
            <option key={r} value={r}>
              {t(`range.${r}`)}
            </option>
          ))}
        </select>
      </label>
      <label className="block flex-1 text-xs font-medium sm:min-w-48">
        {t('deployments.search')}
        <input
          type="search"
          className={inputClass}
          placeholder={t('deployments.searchPlaceholder')}
          value={q}
          onChange={(event) => {
            setQ(event.target.value);
          }}
        />
      </label>
    </form>
  );
}

export function DeploymentTable({ rows, now }: { rows: DeploymentRow[]; now: number }) {
  const { t, dateTime } = useI18n();
  return (
    <>
      <ul className="space-y-2 md:hidden" aria-label={t('deployments.title')}>
        {rows.map((row) => (
          <li
            key={row.id}
            className="rounded-md border border-slate-200 p-3 text-sm dark:border-slate-800"
          >
            <div className="flex items-start justify-between gap-2">
              <Link
                href={`/deployments/${encodeURIComponent(row.id)}`}
                className="font-medium text-blue-700 hover:underline dark:text-blue-300"
              >
                {`${row.app} ${row.version}`}
              </Link>
              <StatusBadge status={row.status} />
            </div>
            <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
              {[
                row.environment,
                t(`strategy.${row.deploymentType}`),
                dateTime(row.startTime),
                duration(row.durationMs ?? elapsed(row.startTime, row.endTime, now)),
                row.executor,
              ].join(' · ')}
            </p>
            {row.reason && (row.status === 'FAILED' || row.status === 'ROLLED_BACK') && (
              <p className="mt-1 text-xs text-red-700 dark:text-red-400">{row.reason}</p>
            )}
          </li>
        ))}
      </ul>
      <ScrollArea label={t('deployments.title')} className="hidden md:block">
        <table className="w-full min-w-[56rem] text-sm">
          <thead className="text-left text-xs text-slate-600 dark:text-slate-400">
            <tr>
              {(
                [
                  'time',
                  'app',
                  'version',
                  'environment',
                  'strategy',
                  'status',
                  'duration',
                  'executor',
                ] as const
              ).map((col) => (
                <th key={col} scope="col" className="px-3 py-2 font-medium">
                  {t(`deployments.col.${col}`)}
                </th>
              ))}
              <th scope="col" className="px-3 py-2 font-medium">
                <span className="sr-only">{t('deployments.col.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr
                key={row.id}
                className="border-t border-slate-200 hover:bg-slate-50 dark:border-slate-800 dark:hover:bg-slate-800/50"
              >
                <td className="px-3 py-2 whitespace-nowrap tabular-nums">
                  <Time value={row.startTime} />
                </td>
                <td className="px-3 py-2 font-medium">{row.app}</td>
                <td className="px-3 py-2 font-mono text-xs">{row.version}</td>
                <td className="px-3 py-2">{row.environment}</td>
                <td className="px-3 py-2">{t(`strategy.${row.deploymentType}`)}</td>
                <td className="px-3 py-2">
                  <StatusBadge status={row.status} />
                  {row.reason && (row.status === 'FAILED' || row.status === 'ROLLED_BACK') && (
                    <p
                      className="mt-0.5 max-w-56 truncate text-xs text-slate-600 dark:text-slate-400"
                      title={row.reason}
                    >
                      {row.reason}
                    </p>
                  )}
                </td>
                <td className="px-3 py-2 whitespace-nowrap tabular-nums">
                  {duration(row.durationMs ?? elapsed(row.startTime, row.endTime, now))}
                </td>
                <td className="px-3 py-2">{row.executor}</td>
                <td className="px-3 py-2 text-right">
                  <Link
                    href={`/deployments/${encodeURIComponent(row.id)}`}
                    className="text-blue-700 hover:underline dark:text-blue-300"
                  >
                    {t('deployments.details')}
                    <span className="sr-only"> {`${row.app} ${row.version}`}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollArea>
    </>
  );
}

/** `/deployments`: seed 003's deployment list, paged by the server, filters in the URL. */
export function DeploymentsPage() {
  const { t } = useI18n();
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const [now, setNow] = useState(() => Date.now());
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const query = useDeploymentPage(filters, cursor, now);
  const [exportError, setExportError] = useState<unknown>(null);
  const [exporting, setExporting] = useState<'csv' | 'json' | null>(null);

  const setFilters = useMemo(
    () => (next: DeploymentFilters) => {
      setCursors([null]);
      setSearch(filtersToSearch(next), { replace: true });
    },
    [setSearch],
  );
  const known = useEnvironments();
  const environments = useMemo(() => {
    // The environments apps are in, those of the releases on screen, and the one asked for.
    const seen = new Set<string>(known.data ?? []);
    for (const row of query.data?.items ?? []) seen.add(row.environment);
    if (filters.environment) seen.add(filters.environment);
    return [...seen].sort();
  }, [known.data, query.data, filters.environment]);

  const exportAs = async (format: 'csv' | 'json') => {
    setExporting(format);
    setExportError(null);
    try {
      const q = deploymentQuery(filters, { now });
      await download(
        withQuery('/api/deployments/export', { ...q, format }),
        `deployments.${format}`,
      );
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(null);
    }
  };

  return (
    <>
      <PageHeader
        title={t('deployments.title')}
        subtitle={query.data ? t('deployments.total', { count: query.data.total }) : undefined}
        actions={
          <>
            <Button
              size="sm"
              icon={<Icon name="refresh" />}
              busy={query.isFetching && !query.isPending}
              onClick={() => {
                setNow(Date.now());
                void query.refetch();
              }}
            >
              {t('common.refresh')}
            </Button>
            <Button
              size="sm"
              icon={<Icon name="download" />}
              busy={exporting === 'csv'}
              onClick={() => {
                void exportAs('csv');
              }}
            >
              {t('deployments.exportCsv')}
            </Button>
            <Button
              size="sm"
              icon={<Icon name="download" />}
              busy={exporting === 'json'}
              onClick={() => {
                void exportAs('json');
              }}
            >
              {t('deployments.exportJson')}
            </Button>
          </>
        }
      />
      <Card>
        <DeploymentFilterBar filters={filters} environments={environments} onChange={setFilters} />
        {exportError !== null && (
          <div className="mt-3">
            <ErrorMessage error={exportError} />
          </div>
        )}
        <div className="mt-4">
          {query.isPending ? (
            <Loading />
          ) : query.isError ? (
            <ErrorState
              error={query.error}
              notAvailable={t('deployments.unavailable')}
              onRetry={() => {
                void query.refetch();
              }}
            />
          ) : query.data.items.length === 0 ? (
            <Empty
              title={isFiltered(filters) ? t('deployments.emptyFiltered') : t('deployments.empty')}
              action={
                isFiltered(filters) ? (
                  <Button
                    size="sm"
                    onClick={() => {
                      setFilters({ ...filters, environment: '', status: '', q: '', app: '' });
                    }}
                  >
                    {t('deployments.clearFilters')}
                  </Button>
                ) : undefined
              }
            >
              {isFiltered(filters) ? undefined : t('deployments.emptyHint')}
            </Empty>
          ) : (
            <>
              <DeploymentTable rows={query.data.items} now={now} />
              <div className="mt-3 flex items-center justify-between gap-2 text-sm">
                <span className="text-slate-600 dark:text-slate-400">
                  {t('deployments.page', { page: cursors.length })}
                </span>
                <div className="flex gap-2">
                  <Button
                    size="sm"
                    disabled={cursors.length === 1}
                    onClick={() => {
                      setCursors((list) => list.slice(0, -1));
                    }}
                  >
                    {t('common.previous')}
                  </Button>
                  <Button
                    size="sm"
                    disabled={!query.data.nextCursor}
                    onClick={() => {
                      const next = query.data.nextCursor;
                      if (next) setCursors((list) => [...list, next]);
                    }}
                  >
                    {t('common.next')}
                  </Button>
                </div>
              </div>
            </>
          )}
        </div>
      </Card>
    </>
  );
}
