import { Time } from '../../ui/Time';
import { useState } from 'react';
import type { Service } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Card, Fact } from '../../ui/Card';
import { bytes, duration, percent } from '../../ui/format';
import { ScrollArea } from '../../ui/ScrollArea';
import { ErrorMessage } from '../../ui/states';
import { StatusBadge } from '../../ui/StatusBadge';
import { LogLines } from '../logs/LogLines';
import { useLogTail } from '../logs/useLogTail';
import { ScaleControl } from './ScaleControl';
import { ServiceActions } from './ServiceActions';
import { ServiceForm } from './ServiceForm';

/** One service: its facts, actions, instances and logs; editing and scaling happen here. */
export function ServiceDetail({ service, onDeleted }: { service: Service; onDeleted: () => void }) {
  const { t } = useI18n();
  const tail = useLogTail({ kind: 'service', id: service.name });
  const [editing, setEditing] = useState(false);
  return (
    <div className="space-y-4">
      <Card
        id="service-detail"
        title={
          <span className="flex flex-wrap items-center gap-2">
            {service.name} <StatusBadge status={service.status} />
            {service.rolling && (
              <span className="text-xs font-normal text-slate-600 dark:text-slate-400">
                {t('services.rolling')}
              </span>
            )}
          </span>
        }
        actions={
          <ServiceActions
            service={service}
            onEdit={() => {
              setEditing(true);
            }}
            onDeleted={onDeleted}
          />
        }
      >
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
          <Fact label={t('services.command')}>
            <code className="font-mono text-xs">
              {service.spec.shell
                ? service.spec.command
                : [service.spec.command, ...service.spec.args].join(' ')}
            </code>
          </Fact>
          <Fact label={t('services.instances')}>
            {t('services.ready', { ready: service.ready, desired: service.desired })}
          </Fact>
          <Fact label={t('services.restarts')}>{service.restarts}</Fact>
          <Fact label={t('services.port')}>{service.spec.port ?? '—'}</Fact>
        </dl>
        <div className="mt-4">
          <ScaleControl service={service} />
        </div>
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
                    {i.lastExit ? (
                      <>
                        {`${i.lastExit.code ?? i.lastExit.signal ?? '?'} · `}
                        <Time value={i.lastExit.at} />
                      </>
                    ) : (
                      '—'
                    )}
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
      {editing && (
        <ServiceForm
          service={service}
          onClose={() => {
            setEditing(false);
          }}
        />
      )}
    </div>
  );
}
