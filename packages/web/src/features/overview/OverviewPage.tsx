import { Time } from '../../ui/Time';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, withQuery } from '../../api/client';
import type { BusEvent, Health, MonitoringMetrics, Service } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import type { MessageKey } from '../../i18n/en';
import { RECENT_EVENTS_KEY } from '../../live/LiveProvider';
import { Card, PageHeader } from '../../ui/Card';
import { cx } from '../../ui/cx';
import { percent } from '../../ui/format';
import { ProgressBar } from '../../ui/ProgressBar';
import { Empty, ErrorState, Loading, QueryView } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { STATUS_GROUPS } from '../deployments/filters';
import { useDeploymentCounts, type DeploymentCounts } from '../deployments/queries';
import { useTasks } from '../tasks/queries';
import { describeEvent } from './describeEvent';

const CARDS: { key: keyof DeploymentCounts; label: MessageKey; status: string; accent: string }[] =
  [
    {
      key: 'total',
      label: 'overview.total',
      status: '',
      accent: 'text-slate-900 dark:text-slate-100',
    },
    {
      key: 'completed',
      label: 'overview.completed',
      status: STATUS_GROUPS.completed,
      accent: 'text-green-700 dark:text-green-400',
    },
    {
      key: 'inProgress',
      label: 'overview.inProgress',
      status: STATUS_GROUPS.inProgress,
      accent: 'text-blue-700 dark:text-blue-400',
    },
    {
      key: 'paused',
      label: 'overview.paused',
      status: STATUS_GROUPS.paused,
      accent: 'text-amber-700 dark:text-amber-400',
    },
    {
      key: 'failed',
      label: 'overview.failed',
      status: STATUS_GROUPS.failed,
      accent: 'text-red-700 dark:text-red-400',
    },
  ];

/**
 * Seed 000's summary cards: every release, and how many completed, move, wait or failed
 * (failed or rolled back). Each opens the list of exactly the releases it counts.
 */
function DeploymentCards() {
  const { t } = useI18n();
  const counts = useDeploymentCounts();
  if (counts.isError) {
    return (
      <ErrorState
        error={counts.error}
        notAvailable={t('overview.deploymentsUnavailable')}
        onRetry={() => {
          void counts.refetch();
        }}
      />
    );
  }
  return (
    <ul
      className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5"
      aria-busy={counts.isPending}
    >
      {CARDS.map((card) => (
        <li key={card.key}>
          <Link
            // The counts are of every release, not of the list's default last 7 days.
            href={`/deployments?${card.status ? `status=${card.status}&` : ''}range=all`}
            className="block rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:border-blue-400 dark:border-slate-800 dark:bg-slate-900 dark:hover:border-blue-500"
          >
            <p className="text-xs font-medium text-slate-600 dark:text-slate-400">
              {t(card.label)}
            </p>
            <p className={cx('mt-1 text-2xl font-semibold tabular-nums', card.accent)}>
              {counts.data ? counts.data[card.key] : '…'}
            </p>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function RunningTasks() {
  const { t } = useI18n();
  const tasks = useTasks();
  return (
    <Card
      id="overview-tasks"
      title={t('overview.runningTasks')}
      actions={
        <Link href="/tasks" className="text-xs text-blue-700 hover:underline dark:text-blue-300">
          {t('overview.all')}
        </Link>
      }
    >
      <QueryView
        query={tasks}
        isEmpty={(d) => d.tasks.length === 0}
        empty={<p className="text-sm text-slate-600 dark:text-slate-400">{t('tasks.empty')}</p>}
      >
        {(data) => {
          const running = data.tasks.filter(
            (task) => task.status === 'RUNNING' || task.running > 0,
          );
          const failing = data.tasks.filter(
            (task) => task.status === 'FAILED' || task.status === 'EXCEPTION',
          );
          return (
            <div className="space-y-2 text-sm">
              <p className="text-slate-700 dark:text-slate-300">
                {t('overview.taskCounts', {
                  total: data.total,
                  running: running.length,
                  failing: failing.length,
                })}
              </p>
              {running.length === 0 ? (
                <p className="text-slate-600 dark:text-slate-400">{t('overview.noRunningTasks')}</p>
              ) : (
                <ul className="space-y-1">
                  {running.map((task) => (
                    <li key={task.id} className="flex items-center justify-between gap-2">
                      <Link
                        href={`/tasks/${encodeURIComponent(task.id)}`}
                        className="truncate text-blue-700 hover:underline dark:text-blue-300"
                      >
                        {task.id}
                      </Link>
                      <StatusBadge status={task.status} />
                    </li>
                  ))}
                </ul>
              )}
              {failing.length > 0 && (
                <ul className="space-y-1 border-t border-slate-200 pt-2 dark:border-slate-800">
                  {failing.slice(0, 5).map((task) => (
                    <li key={task.id} className="flex items-center justify-between gap-2">
                      <Link
                        href={`/tasks/${encodeURIComponent(task.id)}`}
                        className="truncate text-blue-700 hover:underline dark:text-blue-300"
                      >
                        {task.id}
                      </Link>
                      <StatusBadge status={task.status} />
                    </li>
                  ))}
                </ul>
              )}
            </div>
          );
        }}
      </QueryView>
    </Card>
  );
}

function Services() {
  const { t } = useI18n();
  const services = useQuery({
    queryKey: ['services'],
    queryFn: ({ signal }) =>
      api<{ services: Service[]; total: number }>('/api/services', { signal }),
  });
  return (
    <Card
      id="overview-services"
      title={t('nav.services')}
      actions={
        <Link href="/services" className="text-xs text-blue-700 hover:underline dark:text-blue-300">
          {t('overview.all')}
        </Link>
      }
    >
      <QueryView
        query={services}
        isEmpty={(d) => d.services.length === 0}
        empty={<p className="text-sm text-slate-600 dark:text-slate-400">{t('services.empty')}</p>}
      >
        {(data) => (
          <ul className="space-y-1 text-sm">
            {data.services.map((s) => (
              <li key={s.name} className="flex items-center justify-between gap-2">
                <Link
                  href={`/services/${encodeURIComponent(s.name)}`}
                  className="truncate text-blue-700 hover:underline dark:text-blue-300"
                >
                  {s.name}
                </Link>
                <span className="flex items-center gap-2">
                  <span className="text-xs tabular-nums text-slate-600 dark:text-slate-400">{`${s.ready}/${s.desired}`}</span>
                  <StatusBadge status={s.status} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
    </Card>
  );
}

function SystemHealth() {
  const { t } = useI18n();
  const health = useQuery({
    queryKey: ['health'],
    queryFn: ({ signal }) => api<Health>('/health', { signal }),
    refetchInterval: 30_000,
  });
  const metrics = useQuery({
    queryKey: ['system', 'metrics', 'latest'],
    queryFn: ({ signal }) =>
      api<MonitoringMetrics>(withQuery('/api/monitoring/metrics', { limit: 1 }), { signal }),
    refetchInterval: 15_000,
  });
  const sample = metrics.data?.current;
  return (
    <Card
      id="overview-system"
      title={t('overview.system')}
      actions={
        <Link href="/system" className="text-xs text-blue-700 hover:underline dark:text-blue-300">
          {t('overview.details')}
        </Link>
      }
    >
      <div className="space-y-3 text-sm">
        <div className="flex items-center justify-between">
          <span>{t('overview.server')}</span>
          {health.data ? (
            <StatusBadge status={health.data.status === 'ok' ? 'OK' : 'FAILED'} />
          ) : health.isError ? (
            <StatusBadge status="FAILED" />
          ) : (
            '…'
          )}
        </div>
        {health.data?.store && (
          <div className="flex items-center justify-between">
            <span>{t('overview.store', { backend: health.data.store.backend })}</span>
            <span className="text-xs tabular-nums text-slate-600 dark:text-slate-400">
              {health.data.store.latencyMs === null ? '—' : `${health.data.store.latencyMs} ms`}
            </span>
          </div>
        )}
        {metrics.isPending ? (
          <Loading className="py-2" />
        ) : metrics.isError ? (
          <ErrorState error={metrics.error} />
        ) : (
          sample &&
          (
            [
              ['cpuPercent', t('system.cpu')],
              ['memoryPercent', t('system.memory')],
              ['diskPercent', t('system.disk')],
            ] as const
          ).map(([field, label]) => (
            <div key={field}>
              <div className="flex justify-between text-xs">
                <span>{label}</span>
                <span className="tabular-nums">{percent(sample[field])}</span>
              </div>
              <ProgressBar
                value={sample[field]}
                label={label}
                tone={sample[field] > 90 ? 'red' : sample[field] > 75 ? 'amber' : 'green'}
              />
            </div>
          ))
        )}
      </div>
    </Card>
  );
}

function LatestEvents() {
  const { t } = useI18n();
  const events = useQuery({
    queryKey: RECENT_EVENTS_KEY,
    queryFn: ({ signal }) =>
      api<{ events: BusEvent[] }>(withQuery('/api/events', { limit: 30 }), { signal }),
    staleTime: Infinity,
  });
  return (
    <Card id="overview-events" title={t('overview.events')}>
      <QueryView
        query={events}
        isEmpty={(d) => d.events.filter((e) => e.type !== 'workload.log').length === 0}
        empty={<Empty title={t('overview.noEvents')}>{t('overview.noEventsHint')}</Empty>}
      >
        {(data) => (
          <ol
            className="relative max-h-96 space-y-1.5 overflow-auto text-sm"
            aria-label={t('overview.events')}
          >
            {data.events
              .filter((e) => e.type !== 'workload.log')
              .map((event) => {
                const { text, href } = describeEvent(event, t);
                return (
                  <li key={event.seq} className="flex gap-3">
                    <span className="shrink-0 text-xs tabular-nums text-slate-600 dark:text-slate-400">
                      <Time value={event.time} format="time" />
                    </span>
                    {href ? (
                      <Link
                        href={href}
                        className="min-w-0 break-words text-slate-800 hover:underline dark:text-slate-200"
                      >
                        {text}
                      </Link>
                    ) : (
                      <span className="min-w-0 break-words">{text}</span>
                    )}
                  </li>
                );
              })}
          </ol>
        )}
      </QueryView>
    </Card>
  );
}

/** `/`: seed 000's overview cards, then what runs now, the host's health and the latest events. */
export function OverviewPage() {
  const { t } = useI18n();
  return (
    <>
      <PageHeader title={t('overview.title')} subtitle={t('overview.subtitle')} />
      <div className="space-y-4">
        <section aria-label={t('overview.deployments')}>
          <DeploymentCards />
        </section>
        <div className="grid gap-4 lg:grid-cols-3">
          <RunningTasks />
          <Services />
          <SystemHealth />
        </div>
        <LatestEvents />
      </div>
    </>
  );
}
