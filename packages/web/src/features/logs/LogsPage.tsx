import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, download } from '../../api/client';
import { LOG_LEVELS, type LogEntry, type LogLevel, type Service, type Task } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { Card, PageHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { cx } from '../../ui/cx';
import { inputClass } from '../../ui/Field';
import { ErrorMessage, ErrorState, Loading } from '../../ui/states';
import { LogLines } from './LogLines';
import { useLogTail, type LogSourceFilter } from './useLogTail';

/** The lines that pass the level toggles and the search, as seed 004's front-end filter does. */
export function visibleEntries(
  entries: readonly LogEntry[],
  levels: ReadonlySet<LogLevel>,
  text: string,
): LogEntry[] {
  const needle = text.trim().toLowerCase();
  return entries.filter(
    (e) =>
      levels.has(e.level) &&
      (needle === '' ||
        e.line.toLowerCase().includes(needle) ||
        e.source.id.toLowerCase().includes(needle)),
  );
}

function parseSource(value: string): LogSourceFilter {
  const [kind, ...rest] = value.split('/');
  if ((kind === 'task' || kind === 'service') && rest.length > 0)
    return { kind, id: rest.join('/') };
  return {};
}

/** `/logs`: every workload's log, live, with seed 004's level filter, search, pause, export and clear. */
export function LogsPage() {
  const { t } = useI18n();
  const [source, setSource] = useState('');
  const [levels, setLevels] = useState<Set<LogLevel>>(() => new Set(LOG_LEVELS));
  const [text, setText] = useState('');
  const [paused, setPaused] = useState(false);
  const [format, setFormat] = useState<'json' | 'csv' | 'text'>('text');
  const [confirmClear, setConfirmClear] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  const filter = useMemo(() => parseSource(source), [source]);
  const tail = useLogTail(filter, { paused });
  const tasks = useQuery({
    queryKey: ['tasks'],
    queryFn: () => api<{ tasks: Task[] }>('/api/tasks'),
  });
  const services = useQuery({
    queryKey: ['services'],
    queryFn: () => api<{ services: Service[] }>('/api/services'),
  });
  const shown = useMemo(
    () => visibleEntries(tail.entries, levels, text),
    [tail.entries, levels, text],
  );
  const minimumLevel = LOG_LEVELS.find((l) => levels.has(l));

  const exportLogs = async () => {
    setExportError(null);
    try {
      await download('/api/export/logs', `logs.${format === 'text' ? 'log' : format}`, {
        method: 'POST',
        body: {
          format,
          ...filter,
          ...(minimumLevel ? { level: minimumLevel } : {}),
          ...(text.trim() ? { text: text.trim() } : {}),
        },
      });
    } catch (error) {
      setExportError(error);
    }
  };

  return (
    <>
      <PageHeader title={t('logs.title')} subtitle={t('logs.subtitle')} />
      <Card>
        <div className="grid gap-3 lg:flex lg:flex-wrap lg:items-end">
          <label className="block text-xs font-medium">
            {t('logs.source')}
            <select
              className={`${inputClass} lg:w-56`}
              value={source}
              onChange={(event) => {
                setSource(event.target.value);
              }}
            >
              <option value="">{t('logs.allSources')}</option>
              {tasks.data && tasks.data.tasks.length > 0 && (
                <optgroup label={t('nav.tasks')}>
                  {tasks.data.tasks.map((task) => (
                    <option key={task.id} value={`task/${task.id}`}>
                      {task.id}
                    </option>
                  ))}
                </optgroup>
              )}
              {services.data && services.data.services.length > 0 && (
                <optgroup label={t('nav.services')}>
                  {services.data.services.map((service) => (
                    <option key={service.name} value={`service/${service.name}`}>
                      {service.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          <fieldset className="min-w-0">
            <legend className="text-xs font-medium">{t('logs.levels')}</legend>
            <div className="mt-1 flex flex-wrap gap-1">
              {LOG_LEVELS.map((level) => {
                const on = levels.has(level);
                return (
                  <button
                    key={level}
                    type="button"
                    aria-pressed={on}
                    className={cx(
                      'rounded-md border px-2.5 py-1 text-xs font-medium',
                      on
                        ? 'border-blue-600 bg-blue-600 text-white dark:border-blue-400 dark:bg-blue-400 dark:text-slate-950'
                        : 'border-slate-300 text-slate-700 dark:border-slate-600 dark:text-slate-300',
                    )}
                    onClick={() => {
                      setLevels((current) => {
                        const next = new Set(current);
                        if (next.has(level)) next.delete(level);
                        else next.add(level);
                        return next;
                      });
                    }}
                  >
                    {level}
                  </button>
                );
              })}
            </div>
          </fieldset>
          <label className="block flex-1 text-xs font-medium lg:min-w-48">
            {t('logs.search')}
            <input
              type="search"
              className={inputClass}
              value={text}
              placeholder={t('logs.searchPlaceholder')}
              onChange={(event) => {
                setText(event.target.value);
              }}
            />
          </label>
          <div className="flex flex-wrap items-end gap-2">
            <Button
              size="sm"
              aria-pressed={paused}
              onClick={() => {
                setPaused((p) => !p);
              }}
            >
              {paused ? t('logs.resume', { count: tail.waiting }) : t('logs.pause')}
            </Button>
            <label className="sr-only" htmlFor="log-export-format">
              {t('logs.exportFormat')}
            </label>
            <select
              id="log-export-format"
              className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-xs dark:border-slate-600 dark:bg-slate-900"
              value={format}
              onChange={(event) => {
                setFormat(event.target.value as typeof format);
              }}
            >
              <option value="text">TXT</option>
              <option value="csv">CSV</option>
              <option value="json">JSON</option>
            </select>
            <Button
              size="sm"
              onClick={() => {
                void exportLogs();
              }}
            >
              {t('logs.export')}
            </Button>
            <Button
              size="sm"
              variant="danger"
              onClick={() => {
                setConfirmClear(true);
              }}
            >
              {t('logs.clear')}
            </Button>
          </div>
        </div>
        {exportError !== null && (
          <div className="mt-3">
            <ErrorMessage error={exportError} />
          </div>
        )}
        <div className="mt-4">
          {tail.error !== null ? (
            <ErrorState error={tail.error} />
          ) : !tail.loaded ? (
            <Loading />
          ) : (
            <>
              {tail.dropped > 0 && (
                <p className="mb-2 text-xs text-amber-800 dark:text-amber-300">
                  {t('logs.dropped', { count: tail.dropped })}
                </p>
              )}
              <LogLines entries={shown} label={t('logs.title')} height="h-[60vh]" />
              <p className="mt-2 text-xs text-slate-600 dark:text-slate-400">
                {t('logs.count', { shown: shown.length, total: tail.entries.length })}
              </p>
            </>
          )}
        </div>
      </Card>
      {confirmClear && (
        <ConfirmDialog
          title={source ? t('logs.clearOneTitle', { source }) : t('logs.clearAllTitle')}
          confirmLabel={t('logs.clear')}
          danger
          onConfirm={async () => {
            await api<{ removedEntries: number }>('/api/settings/clear-logs', {
              method: 'POST',
              body: filter,
            });
            tail.clear();
          }}
          onClose={() => {
            setConfirmClear(false);
          }}
        >
          <p>{t('logs.clearBody')}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
