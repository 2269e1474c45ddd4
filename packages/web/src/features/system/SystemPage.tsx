import { Time } from '../../ui/Time';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { api, withQuery } from '../../api/client';
import type { MetricSample, MonitoringMetrics, ProcessList, SystemInfo } from '../../api/types';
import { TimeChart, type ChartSeries } from '../../charts/TimeChart';
import { useI18n } from '../../i18n/I18nProvider';
import { Card, Fact, PageHeader } from '../../ui/Card';
import { inputClass } from '../../ui/Field';
import { bytes, duration, percent } from '../../ui/format';
import { ScrollArea } from '../../ui/ScrollArea';
import { QueryView } from '../../ui/states';

/** Samples kept for the charts: the server's history plus those fetched since. */
const KEPT_SAMPLES = 720;

/** Adds samples to a history ordered by time, without duplicates, keeping the newest. */
export function mergeSamples(
  current: readonly MetricSample[],
  incoming: readonly MetricSample[],
): MetricSample[] {
  const byTime = new Map<string, MetricSample>();
  for (const s of current) byTime.set(s.timestamp, s);
  for (const s of incoming) byTime.set(s.timestamp, s);
  return [...byTime.values()]
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))
    .slice(-KEPT_SAMPLES);
}

function useMetricsHistory() {
  // Nothing pushes host metrics: a fresh sample every 5 s while this screen is open.
  const query = useQuery({
    queryKey: ['system', 'metrics'],
    queryFn: ({ signal }) =>
      api<MonitoringMetrics>(withQuery('/api/monitoring/metrics', { limit: KEPT_SAMPLES }), {
        signal,
      }),
    refetchInterval: 5_000,
  });
  const [samples, setSamples] = useState<MetricSample[]>([]);
  useEffect(() => {
    if (query.data)
      setSamples((list) => mergeSamples(list, [...query.data.history, query.data.current]));
  }, [query.data]);
  return { query, samples };
}

function seriesOf(
  samples: readonly MetricSample[],
  field: 'cpuPercent' | 'memoryPercent' | 'diskPercent',
  label: string,
  color: string,
): ChartSeries[] {
  return [
    { label, color, points: samples.map((s) => [Date.parse(s.timestamp), s[field]] as const) },
  ];
}

function Processes() {
  const { t } = useI18n();
  const [sort, setSort] = useState<'cpu' | 'memory' | 'pid' | 'name'>('cpu');
  const [q, setQ] = useState('');
  const query = useQuery({
    queryKey: ['system', 'processes', sort, q],
    queryFn: ({ signal }) =>
      api<ProcessList>(
        withQuery('/api/system/processes', {
          limit: 50,
          sort,
          order: sort === 'name' || sort === 'pid' ? 'asc' : 'desc',
          q,
        }),
        { signal },
      ),
    refetchInterval: 10_000,
    placeholderData: keepPreviousData,
  });
  return (
    <Card id="processes" title={t('system.processes')}>
      <div className="mb-3 flex flex-wrap gap-2">
        <label className="text-xs font-medium">
          {t('system.sort')}
          <select
            className={inputClass}
            value={sort}
            onChange={(event) => {
              setSort(event.target.value as typeof sort);
            }}
          >
            {(['cpu', 'memory', 'pid', 'name'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`system.sort.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex-1 text-xs font-medium">
          {t('system.filter')}
          <input
            type="search"
            className={inputClass}
            value={q}
            onChange={(event) => {
              setQ(event.target.value);
            }}
          />
        </label>
      </div>
      <QueryView query={query}>
        {(list) => (
          <>
            <ScrollArea label={t('system.processes')} className="max-h-[28rem]">
              <table className="w-full min-w-[40rem] text-sm">
                <thead className="sticky top-0 bg-white text-left text-xs text-slate-600 dark:bg-slate-900 dark:text-slate-400">
                  <tr>
                    {(['pid', 'name', 'cpu', 'memory', 'state', 'started', 'command'] as const).map(
                      (c) => (
                        <th key={c} scope="col" className="px-2 py-1.5 font-medium">
                          {t(`system.col.${c}`)}
                        </th>
                      ),
                    )}
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((p) => (
                    <tr key={p.pid} className="border-t border-slate-200 dark:border-slate-800">
                      <td className="px-2 py-1 tabular-nums">{p.pid}</td>
                      <td className="px-2 py-1 font-medium">{p.name}</td>
                      <td className="px-2 py-1 tabular-nums">{percent(p.cpuPercent)}</td>
                      <td className="px-2 py-1 whitespace-nowrap tabular-nums">
                        {bytes(p.rssBytes)}
                      </td>
                      <td className="px-2 py-1">{p.state}</td>
                      <td className="px-2 py-1 text-xs whitespace-nowrap tabular-nums">
                        <Time value={p.startedAt} />
                      </td>
                      <td
                        className="max-w-md truncate px-2 py-1 font-mono text-xs"
                        title={p.command}
                      >
                        {p.command}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollArea>
            <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">
              {t('system.processCount', { shown: list.items.length, total: list.total })}
            </p>
          </>
        )}
      </QueryView>
    </Card>
  );
}

/** `/system`: the host (seed 004's monitoring): CPU, memory and disk over time, and its processes. */
export function SystemPage() {
  const { t, number } = useI18n();
  const info = useQuery({
    queryKey: ['system', 'info'],
    queryFn: ({ signal }) => api<SystemInfo>('/api/system/info', { signal }),
    refetchInterval: 30_000,
  });
  const { query: metrics, samples } = useMetricsHistory();
  const format = useMemo(() => (v: number) => `${number(v, 0)}%`, [number]);
  return (
    <>
      <PageHeader title={t('system.title')} subtitle={t('system.subtitle')} />
      <div className="space-y-4">
        <Card id="host" title={t('system.host')}>
          <QueryView query={info}>
            {(host) => (
              <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
                <Fact label={t('system.hostname')}>{host.hostname}</Fact>
                <Fact
                  label={t('system.os')}
                >{`${host.platform} ${host.release} (${host.arch})`}</Fact>
                <Fact label={t('system.uptime')}>{duration(host.uptimeSeconds * 1000)}</Fact>
                <Fact label={t('system.cpus')}>{`${host.cpus.count} × ${host.cpus.model}`}</Fact>
                <Fact label={t('system.load')}>
                  {host.cpus.loadAverage.map((l) => l.toFixed(2)).join(' / ')}
                </Fact>
                <Fact label={t('system.node')}>{host.node}</Fact>
                <Fact
                  label={t('system.memory')}
                >{`${bytes(host.memory.usedBytes)} / ${bytes(host.memory.totalBytes)}`}</Fact>
                <Fact
                  label={t('system.disk')}
                >{`${percent(host.disk.usedPercent)} · ${bytes(host.disk.availableBytes)} ${t('system.free')}`}</Fact>
                <Fact label={t('system.diskPath')}>{host.disk.path}</Fact>
                <Fact label={t('system.process')}>{`pid ${host.process.pid}`}</Fact>
                <Fact
                  label={t('system.processMemory')}
                >{`${bytes(host.process.rssBytes)} (heap ${bytes(host.process.heapUsedBytes)})`}</Fact>
                <Fact label={t('system.processUptime')}>
                  {duration(host.process.uptimeSeconds * 1000)}
                </Fact>
              </dl>
            )}
          </QueryView>
        </Card>
        <Card id="usage" title={t('system.usage')}>
          <QueryView query={metrics}>
            {(data) => (
              <>
                {!data.enabled && (
                  <p className="mb-3 text-sm text-amber-800 dark:text-amber-300">
                    {t('system.monitoringOff')}
                  </p>
                )}
                <div className="grid gap-6 lg:grid-cols-3">
                  <TimeChart
                    title={t('system.cpu')}
                    series={seriesOf(samples, 'cpuPercent', 'CPU', '#2563eb')}
                    format={format}
                    yMin={0}
                    yMax={100}
                    height={160}
                  />
                  <TimeChart
                    title={t('system.memoryChart')}
                    series={seriesOf(samples, 'memoryPercent', t('system.memory'), '#7c3aed')}
                    format={format}
                    yMin={0}
                    yMax={100}
                    height={160}
                  />
                  <TimeChart
                    title={t('system.diskChart')}
                    series={seriesOf(samples, 'diskPercent', t('system.disk'), '#0d9488')}
                    format={format}
                    yMin={0}
                    yMax={100}
                    height={160}
                  />
                </div>
              </>
            )}
          </QueryView>
        </Card>
        <Processes />
      </div>
    </>
  );
}
