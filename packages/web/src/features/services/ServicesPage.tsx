import { useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { Card, PageHeader } from '../../ui/Card';
import { cx } from '../../ui/cx';
import { Icon } from '../../ui/Icon';
import { ScrollArea } from '../../ui/ScrollArea';
import { bytes, duration, percent } from '../../ui/format';
import type { Service } from '../../api/types';
import { Empty, QueryView } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { ListFilterBar } from '../../paging/ListFilterBar';
import { Pager } from '../../paging/Pager';
import { usePagedList } from '../../paging/usePagedList';
import { useService, useServices } from './queries';

/** The statuses a service can be listed by. */
const SERVICE_STATUSES = [
  'STARTING',
  'ONLINE',
  'STOPPING',
  'STOPPED',
  'CRASHLOOP',
  'ERRORED',
] as const;
import { ServiceDetail } from './ServiceDetail';
import { ServiceForm } from './ServiceForm';

/** How long the newest running process of a service has run; a dash when none runs. */
function uptimeOf(s: Service): string {
  const running = s.instances.filter((i) => i.pid !== null);
  return running.length === 0
    ? '—'
    : duration(Math.min(...running.map((i) => i.uptimeSeconds)) * 1000);
}

function pidsOf(s: Service): string {
  return (
    s.instances
      .map((i) => i.pid)
      .filter((pid) => pid !== null)
      .join(', ') || '—'
  );
}

/**
 * `/services` and `/services/:name`: the supervised services, their
 * instances and logs; services are defined, changed, scaled and deleted here.
 */
export function ServicesPage() {
  const { t } = useI18n();
  const params = useParams<{ name?: string }>();
  const [, navigate] = useLocation();
  const list = usePagedList();
  const query = useServices(list.query());
  const single = useService(params.name);
  const [creating, setCreating] = useState(false);
  const newButton = (size: 'sm' | 'md') => (
    <Button
      variant="primary"
      size={size}
      icon={size === 'md' ? <Icon name="plus" /> : undefined}
      onClick={() => {
        setCreating(true);
      }}
    >
      {t('services.new')}
    </Button>
  );
  return (
    <>
      <PageHeader
        title={t('services.title')}
        subtitle={t('services.subtitle')}
        actions={newButton('md')}
      />
      {creating && (
        <ServiceForm
          service={null}
          onClose={() => {
            setCreating(false);
          }}
          onSaved={(service) => {
            navigate(`/services/${encodeURIComponent(service.name)}`);
          }}
        />
      )}
      <ListFilterBar list={list} statuses={SERVICE_STATUSES} />
      <QueryView
        query={query}
        isEmpty={(data) => data.services.length === 0 && list.page === 1}
        empty={
          <Empty title={t('services.empty')} action={newButton('sm')}>
            {t('services.emptyHint')} <code className="font-mono">codedance services start …</code>
          </Empty>
        }
      >
        {(data) => {
          const selected = data.services.find((s) => s.name === params.name) ?? single.data ?? null;
          return (
            <div className="space-y-4">
              <Card bodyClassName="p-0">
                <ScrollArea label={t('services.title')}>
                  <table className="w-full min-w-[40rem] text-sm">
                    <thead className="text-left text-xs text-slate-600 dark:text-slate-400">
                      <tr>
                        {(
                          [
                            'name',
                            'status',
                            'instances',
                            'restarts',
                            'cpu',
                            'memory',
                            'uptime',
                            'pid',
                          ] as const
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
                            {s.release && (
                              <span
                                className="ml-2 rounded bg-violet-100 px-1.5 py-0.5 text-xs text-violet-800 dark:bg-violet-950 dark:text-violet-200"
                                title={t('services.release.title', {
                                  app: `${s.release.namespace}/${s.release.app}`,
                                })}
                              >
                                {t(`services.release.role.${s.release.role}`)}
                              </span>
                            )}
                          </td>
                          <td className="px-4 py-2">
                            <StatusBadge status={s.status} />
                          </td>
                          <td className="px-4 py-2 tabular-nums">{`${s.ready}/${s.desired}`}</td>
                          <td className="px-4 py-2 tabular-nums">{s.restarts}</td>
                          <td className="px-4 py-2 tabular-nums">{percent(s.cpuPercent)}</td>
                          <td className="px-4 py-2 tabular-nums">{bytes(s.rssBytes)}</td>
                          <td className="px-4 py-2 tabular-nums">{uptimeOf(s)}</td>
                          <td className="px-4 py-2 font-mono text-xs">{pidsOf(s)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </ScrollArea>
                <div className="px-4 pb-3">
                  <Pager list={list} info={data} />
                </div>
              </Card>
              {params.name !== undefined &&
                (selected ? (
                  <ServiceDetail
                    key={selected.name}
                    service={selected}
                    onDeleted={() => {
                      navigate('/services');
                    }}
                  />
                ) : single.isPending ? null : (
                  <Empty title={t('services.notFound', { name: params.name })} />
                ))}
            </div>
          );
        }}
      </QueryView>
    </>
  );
}
