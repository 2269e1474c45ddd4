import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { api } from '../../api/client';
import type { Service } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { Card, Fact, PageHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { cx } from '../../ui/cx';
import { ScrollArea } from '../../ui/ScrollArea';
import { bytes, duration, percent } from '../../ui/format';
import { Empty, ErrorMessage, QueryView } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { LogLines } from '../logs/LogLines';
import { useLogTail } from '../logs/useLogTail';

type ServiceAction = 'start' | 'stop' | 'restart';

/** CPU and memory are sampled, not pushed: the list is fetched every 10 s while it is shown. */
function useServices() {
  return useQuery({
    queryKey: ['services'],
    queryFn: ({ signal }) =>
      api<{ services: Service[]; total: number }>('/api/services', { signal }),
    refetchInterval: 10_000,
  });
}

function ServiceActions({ service }: { service: Service }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [asking, setAsking] = useState<ServiceAction | null>(null);
  const mutation = useMutation({
    mutationFn: (action: ServiceAction) =>
      api<Service>(`/api/services/${encodeURIComponent(service.name)}/${action}`, {
        method: 'POST',
      }),
    onSettled: () => client.invalidateQueries({ queryKey: ['services'] }),
  });
  const run = (action: ServiceAction) => {
    if (action === 'start') mutation.mutate(action);
    else setAsking(action);
  };
  return (
    <div className="flex flex-wrap gap-2">
      {(['start', 'restart', 'stop'] as const).map((action) => (
        <Button
          key={action}
          size="sm"
          variant={action === 'stop' ? 'danger' : 'secondary'}
          busy={mutation.isPending && mutation.variables === action}
          disabled={mutation.isPending}
          onClick={() => {
            run(action);
          }}
        >
          {t(`services.action.${action}`)}
        </Button>
      ))}
      {mutation.isError && asking === null && <ErrorMessage error={mutation.error} />}
      {asking !== null && (
        <ConfirmDialog
          title={t(`services.confirm.${asking}`, { name: service.name })}
          confirmLabel={t(`services.action.${asking}`)}
          danger={asking === 'stop'}
          onConfirm={() => mutation.mutateAsync(asking)}
          onClose={() => {
            setAsking(null);
          }}
        >
          <p>{t(`services.confirmBody.${asking}`, { count: service.instances.length })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function ServiceDetail({ service }: { service: Service }) {
  const { t, dateTime } = useI18n();
  const tail = useLogTail({ kind: 'service', id: service.name });
  return (
    <div className="space-y-4">
      <Card
        id="service-detail"
        title={
          <span className="flex items-center gap-2">
            {service.name} <StatusBadge status={service.status} />
          </span>
        }
        actions={<ServiceActions service={service} />}
      >
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Fact label={t('services.command')}>
            <code className="font-mono text-xs">
              {[service.spec.command, ...(service.spec.args ?? [])].join(' ')}
            </code>
          </Fact>
          <Fact label={t('services.instances')}>
            {t('services.ready', { ready: service.ready, desired: service.desired })}
          </Fact>
          <Fact label={t('services.restarts')}>{service.restarts}</Fact>
          <Fact label={t('services.port')}>{service.spec.port ?? '—'}</Fact>
        </dl>
        <ScrollArea label={t('services.instances')} className="mt-4">
          <table className="w-full min-w-[40rem] text-sm">
            <thead className="text-left text-xs text-slate-600 dark:text-slate-400">
              <tr>
                {(
                  [
                    'instance',
                    'state',
                    'pid',
                    'port',
                    'uptime',
                    'cpu',
                    'memory',
                    'restarts',
                    'lastExit',
                  ] as const
                ).map((c) => (
                  <th key={c} scope="col" className="px-2 py-1.5 font-medium">
                    {t(`services.col.${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {service.instances.map((i) => (
                <tr key={i.instance} className="border-t border-slate-200 dark:border-slate-800">
                  <td className="px-2 py-1.5 tabular-nums">#{i.instance}</td>
                  <td className="px-2 py-1.5">
                    <StatusBadge status={i.state} />
                    {i.reason && (
                      <p className="text-xs text-slate-600 dark:text-slate-400">{i.reason}</p>
                    )}
                  </td>
                  <td className="px-2 py-1.5 tabular-nums">{i.pid ?? '—'}</td>
                  <td className="px-2 py-1.5 tabular-nums">{i.port ?? '—'}</td>
                  <td className="px-2 py-1.5 tabular-nums">
                    {i.uptimeSeconds > 0 ? duration(i.uptimeSeconds * 1000) : '—'}
                  </td>
                  <td className="px-2 py-1.5 tabular-nums">{percent(i.cpuPercent)}</td>
                  <td className="px-2 py-1.5 tabular-nums">{bytes(i.rssBytes)}</td>
                  <td className="px-2 py-1.5 tabular-nums">{i.restarts}</td>
                  <td className="px-2 py-1.5 text-xs">
                    {i.lastExit
                      ? `${i.lastExit.code ?? i.lastExit.signal ?? '?'} · ${dateTime(i.lastExit.at)}`
                      : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollArea>
      </Card>
      <Card id="service-logs" title={t('services.logs')}>
        {tail.error !== null ? (
          <ErrorMessage error={tail.error} />
        ) : (
          <LogLines
            entries={tail.entries}
            showSource={false}
            label={t('services.logsOf', { name: service.name })}
          />
        )}
      </Card>
    </div>
  );
}

/** `/services` and `/services/:name`: the supervised services, their instances and logs. */
export function ServicesPage() {
  const { t } = useI18n();
  const params = useParams<{ name?: string }>();
  const query = useServices();
  return (
    <>
      <PageHeader title={t('services.title')} subtitle={t('services.subtitle')} />
      <QueryView
        query={query}
        isEmpty={(data) => data.services.length === 0}
        empty={
          <Empty title={t('services.empty')}>
            <code className="font-mono">codedance services start …</code>
          </Empty>
        }
      >
        {(data) => {
          const selected = data.services.find((s) => s.name === params.name) ?? null;
          return (
            <div className="space-y-4">
              <Card bodyClassName="p-0">
                <ScrollArea label={t('services.title')}>
                  <table className="w-full min-w-[40rem] text-sm">
                    <thead className="text-left text-xs text-slate-600 dark:text-slate-400">
                      <tr>
                        {(
                          ['name', 'status', 'instances', 'restarts', 'cpu', 'memory'] as const
                        ).map((c) => (
                          <th key={c} scope="col" className="px-4 py-2 font-medium">
                            {t(`services.col.${c}`)}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {data.services.map((s) => (
                        <tr
                          key={s.name}
                          className={cx(
                            'border-t border-slate-200 dark:border-slate-800',
                            s.name === params.name && 'bg-blue-50 dark:bg-blue-950/50',
                          )}
                        >
                          <td className="px-4 py-2 font-medium">
                            <Link
                              href={`/services/${encodeURIComponent(s.name)}`}
                              aria-current={s.name === params.name ? 'page' : undefined}
                              className="text-blue-700 hover:underline dark:text-blue-300"
                            >
                              {s.name}
                            </Link>
                          </td>
                          <td className="px-4 py-2">
                            <StatusBadge status={s.status} />
                          </td>
                          <td className="px-4 py-2 tabular-nums">{`${s.ready}/${s.desired}`}</td>
                          <td className="px-4 py-2 tabular-nums">{s.restarts}</td>
                          <td className="px-4 py-2 tabular-nums">{percent(s.cpuPercent)}</td>
                          <td className="px-4 py-2 tabular-nums">{bytes(s.rssBytes)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollArea>
              </Card>
              {params.name !== undefined &&
                (selected ? (
                  <ServiceDetail key={selected.name} service={selected} />
                ) : (
                  <Empty title={t('services.notFound', { name: params.name })} />
                ))}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
