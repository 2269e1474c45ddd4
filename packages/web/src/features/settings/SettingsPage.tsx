import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, ApiError } from '../../api/client';
import type {
  ConfigAnswer,
  ConfigReport,
  ConfigUpdate,
  ServerStatus,
  StorageInfo,
} from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Button } from '../../ui/Button';
import { Card, Fact, PageHeader } from '../../ui/Card';
import { cx } from '../../ui/cx';
import { inputClass } from '../../ui/Field';
import { bytes } from '../../ui/format';
import { ErrorMessage, QueryView } from '../../ui/states';
import { buildChange, isRedacted, leaves, toInput, type Leaf } from './configForm';

function SourceBadge({ source }: { source: string | undefined }) {
  const { t } = useI18n();
  if (!source) return null;
  const label =
    source === 'default'
      ? t('settings.source.default')
      : source === 'file'
        ? t('settings.source.file')
        : source;
  return (
    <span
      className={cx(
        'rounded px-1.5 py-0.5 text-[11px] font-medium',
        source.startsWith('env:') || source.startsWith('flag:')
          ? 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200'
          : 'bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300',
      )}
      title={t('settings.sourceTitle')}
    >
      {label}
    </span>
  );
}

function ConfigEditor({ answer }: { answer: ConfigAnswer }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const all = useMemo(() => leaves(answer.config), [answer.config]);
  const [edits, setEdits] = useState<Map<string, string | boolean>>(new Map());
  const [report, setReport] = useState<ConfigReport | null>(null);
  const [saved, setSaved] = useState<ConfigUpdate | null>(null);
  const change = useMemo(
    () => buildChange(all, edits, answer.sources),
    [all, edits, answer.sources],
  );
  const validate = useMutation({
    mutationFn: () =>
      api<ConfigReport>('/api/settings/validate-config', {
        method: 'POST',
        body: change.candidate,
      }),
    onSuccess: setReport,
  });
  const save = useMutation({
    mutationFn: () =>
      api<ConfigUpdate>('/api/settings/config', { method: 'PUT', body: change.patch }),
    onSuccess: (update) => {
      setSaved(update);
      setEdits(new Map());
      setReport(null);
      void client.invalidateQueries({ queryKey: ['settings'] });
    },
  });
  const problems = new Map<string, string[]>();
  const reported = [
    ...(report?.problems ?? []),
    ...(save.error instanceof ApiError ? save.error.problems : []),
  ];
  for (const p of reported) problems.set(p.path, [...(problems.get(p.path) ?? []), p.message]);
  const sections = [...new Set(all.map((leaf) => leaf.path.split('/')[1] ?? ''))];
  const pending = answer.pendingRestart;

  const input = (leaf: Leaf) => {
    const id = `setting-${leaf.path.replaceAll('/', '-')}`;
    const current = edits.get(leaf.path) ?? toInput(leaf);
    const locked = isRedacted(leaf.value);
    const errors = problems.get(leaf.path);
    const update = (value: string | boolean) => {
      setEdits((map) => new Map(map).set(leaf.path, value));
      setReport(null);
      setSaved(null);
    };
    return (
      <div
        key={leaf.path}
        className="grid gap-1 border-t border-slate-200 py-2 first:border-t-0 sm:grid-cols-[14rem_1fr] sm:items-center dark:border-slate-800"
      >
        <div className="flex flex-wrap items-center gap-1.5">
          <label htmlFor={id} className="font-mono text-xs">
            {leaf.path.split('/').slice(2).join('.')}
          </label>
          <SourceBadge source={answer.sources[leaf.path]} />
          {pending.includes(leaf.path) && (
            <span className="rounded bg-blue-100 px-1.5 py-0.5 text-[11px] font-medium text-blue-900 dark:bg-blue-950 dark:text-blue-200">
              {t('settings.awaitingRestart')}
            </span>
          )}
        </div>
        <div>
          {leaf.kind === 'boolean' ? (
            <input
              id={id}
              type="checkbox"
              checked={current === true}
              aria-invalid={Boolean(errors)}
              onChange={(event) => {
                update(event.target.checked);
              }}
            />
          ) : (
            <input
              id={id}
              className={inputClass}
              value={String(current)}
              readOnly={locked}
              aria-invalid={Boolean(errors)}
              aria-describedby={errors ? `${id}-error` : locked ? `${id}-hint` : undefined}
              inputMode={leaf.kind === 'number' ? 'numeric' : undefined}
              onChange={(event) => {
                update(event.target.value);
              }}
            />
          )}
          {locked && (
            <p id={`${id}-hint`} className="text-xs text-slate-600 dark:text-slate-400">
              {t('settings.redacted')}
            </p>
          )}
          {errors && (
            <p id={`${id}-error`} className="text-xs font-medium text-red-700 dark:text-red-400">
              {errors.join('; ')}
            </p>
          )}
        </div>
      </div>
    );
  };

  return (
    <div className="space-y-4">
      {pending.length > 0 && (
        <p
          role="status"
          className="rounded-md bg-blue-50 px-3 py-2 text-sm text-blue-900 dark:bg-blue-950/60 dark:text-blue-100"
        >
          {t('settings.pendingRestart', { paths: pending.join(', ') })}
        </p>
      )}
      <p className="text-xs text-slate-600 dark:text-slate-400">
        {t('settings.file', { file: answer.file })}
      </p>
      <div className="grid gap-4 lg:grid-cols-2">
        {sections.map((section) => (
          <Card key={section} id={`settings-${section}`} title={section}>
            {all.filter((leaf) => leaf.path.split('/')[1] === section).map(input)}
          </Card>
        ))}
      </div>
      <div className="sticky bottom-0 z-10 flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 bg-white/95 px-4 py-3 shadow backdrop-blur dark:border-slate-700 dark:bg-slate-900/95">
        <span className="mr-auto text-sm">
          {change.changed.length === 0
            ? t('settings.noChanges')
            : t('settings.changes', { count: change.changed.length })}
        </span>
        <Button
          size="sm"
          disabled={edits.size === 0}
          onClick={() => {
            setEdits(new Map());
            setReport(null);
            save.reset();
          }}
        >
          {t('settings.discard')}
        </Button>
        <Button
          size="sm"
          busy={validate.isPending}
          disabled={change.changed.length === 0}
          onClick={() => {
            validate.mutate();
          }}
        >
          {t('settings.check')}
        </Button>
        <Button
          size="sm"
          variant="primary"
          busy={save.isPending}
          disabled={change.changed.length === 0 || report?.valid === false}
          onClick={() => {
            save.mutate();
          }}
        >
          {t('settings.save')}
        </Button>
        <div className="w-full space-y-2 text-sm" aria-live="polite">
          {report && (
            <div
              className={cx(
                'rounded-md px-3 py-2',
                report.valid
                  ? 'bg-green-50 text-green-900 dark:bg-green-950/60 dark:text-green-100'
                  : 'bg-red-50 text-red-900 dark:bg-red-950/60 dark:text-red-100',
              )}
            >
              <p className="font-medium">
                {report.valid
                  ? t('settings.valid')
                  : t('settings.invalid', { count: report.problems.length })}
              </p>
              {report.live.length > 0 && (
                <p>{t('settings.appliesNow', { paths: report.live.join(', ') })}</p>
              )}
              {report.restart.length > 0 && (
                <p>{t('settings.needsRestart', { paths: report.restart.join(', ') })}</p>
              )}
              {report.overridden.length > 0 && (
                <p>{t('settings.overridden', { paths: report.overridden.join(', ') })}</p>
              )}
            </div>
          )}
          {saved && (
            <div className="rounded-md bg-green-50 px-3 py-2 text-green-900 dark:bg-green-950/60 dark:text-green-100">
              <p className="font-medium">{t('settings.saved')}</p>
              {saved.applied.length > 0 && (
                <p>{t('settings.appliesNow', { paths: saved.applied.join(', ') })}</p>
              )}
              {saved.restartRequired.length > 0 && (
                <p>{t('settings.needsRestart', { paths: saved.restartRequired.join(', ') })}</p>
              )}
            </div>
          )}
          {validate.isError && <ErrorMessage error={validate.error} />}
          {save.isError && <ErrorMessage error={save.error} />}
        </div>
      </div>
    </div>
  );
}

function Storage() {
  const { t } = useI18n();
  const storage = useQuery({
    queryKey: ['settings', 'storage'],
    queryFn: ({ signal }) => api<StorageInfo>('/api/settings/storage-info', { signal }),
  });
  const status = useQuery({
    queryKey: ['settings', 'status'],
    queryFn: ({ signal }) => api<ServerStatus>('/api/status', { signal }),
  });
  return (
    <Card id="storage" title={t('settings.storage')}>
      <QueryView query={storage}>
        {(info) => (
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
            <Fact label={t('settings.backend')}>{info.backend}</Fact>
            <Fact label={t('settings.location')}>{info.location}</Fact>
            <Fact
              label={t('settings.schema')}
            >{`${info.schemaVersion} / ${info.latestSchemaVersion}`}</Fact>
            <Fact label={t('settings.size')}>{bytes(info.sizeBytes)}</Fact>
            <Fact label={t('settings.dataDir')}>{info.dataDir}</Fact>
            <Fact label={t('settings.configFile')}>{info.configFile}</Fact>
            <Fact label={t('settings.logFile')}>{info.logFile}</Fact>
            <Fact label={t('settings.logSize')}>{bytes(info.logDirBytes)}</Fact>
            <Fact className="col-span-2 sm:col-span-4" label={t('settings.objects')}>
              {Object.entries(info.kinds)
                .map(([kind, count]) => `${kind}: ${count}`)
                .join(' · ') || '—'}
            </Fact>
            {status.data && (
              <Fact
                label={t('settings.version')}
              >{`codedance ${status.data.version} · node ${status.data.node}`}</Fact>
            )}
          </dl>
        )}
      </QueryView>
    </Card>
  );
}

/** `/settings`: seed 004's configuration screen: every setting with its source, checked before saving, and the storage. */
export function SettingsPage() {
  const { t } = useI18n();
  const config = useQuery({
    queryKey: ['settings', 'config'],
    queryFn: ({ signal }) => api<ConfigAnswer>('/api/settings/config', { signal }),
  });
  return (
    <>
      <PageHeader title={t('settings.title')} subtitle={t('settings.subtitle')} />
      <div className="space-y-4">
        <Storage />
        <QueryView query={config}>{(answer) => <ConfigEditor answer={answer} />}</QueryView>
      </div>
    </>
  );
}
