import { useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client';
import type { Task } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Field, inputClass, type ControlProps } from '../../ui/Field';
import { FormModal } from '../../ui/FormModal';
import { ErrorMessage } from '../../ui/states';
import { useSaveTask } from './queries';
import {
  fromFormValues,
  problemsByField,
  toFormValues,
  type LocalProblem,
  type TaskField,
  type TaskFormValues,
} from './taskForm';

/**
 * Seed 004's task form, to create a task or edit one. Problems the form can
 * see are shown at once; the server's (400 with `details.problems`) are
 * shown next to the field each names.
 */
export function TaskForm({
  task,
  onClose,
  onSaved,
}: {
  task: Task | null;
  onClose: () => void;
  onSaved?: (task: Task) => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<TaskFormValues>(() => toFormValues(task));
  const [local, setLocal] = useState<LocalProblem[]>([]);
  const save = useSaveTask();
  const serverProblems =
    save.error instanceof ApiError
      ? problemsByField(save.error.problems)
      : { fields: {}, form: [] };

  const errorOf = (field: TaskField): string | null => {
    const mine = local
      .filter((p) => p.field === field)
      .map((p) => t(`taskForm.problem.${p.message}`, { line: p.line ?? 0, name: p.name ?? '' }));
    const theirs = serverProblems.fields[field] ?? [];
    const all = [...mine, ...theirs];
    return all.length === 0 ? null : all.join('; ');
  };
  const set = <K extends keyof TaskFormValues>(field: K, value: TaskFormValues[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
  };
  const textField = (
    field: TaskField & keyof TaskFormValues,
    label: string,
    control?: (props: ControlProps) => ReactNode,
    hint?: string,
  ) => (
    <Field label={label} error={errorOf(field)} {...(hint ? { hint } : {})}>
      {control ??
        ((props) => (
          <input
            {...props}
            name={field}
            className={inputClass}
            value={values[field] as string}
            onChange={(event) => {
              set(field, event.target.value);
            }}
          />
        ))}
    </Field>
  );

  const submit = () => {
    const { spec, problems } = fromFormValues(values);
    setLocal(problems);
    save.reset();
    if (problems.length > 0) return;
    save.mutate(
      { spec, version: task?.version ?? null },
      {
        onSuccess: (saved) => {
          onSaved?.(saved);
          onClose();
        },
      },
    );
  };

  const hasProblems = save.error instanceof ApiError && save.error.problems.length > 0;

  return (
    <FormModal
      title={task === null ? t('taskForm.createTitle') : t('taskForm.editTitle', { id: task.id })}
      submitLabel={task === null ? t('taskForm.create') : t('taskForm.save')}
      busy={save.isPending}
      onSubmit={submit}
      onClose={onClose}
    >
      {save.error !== null && (
        <div className="sm:col-span-2">
          {hasProblems ? (
            <div
              role="alert"
              className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950/60 dark:text-red-200"
            >
              <p>{t('taskForm.fixFields')}</p>
              {serverProblems.form.length > 0 && (
                <ul className="mt-1 list-inside list-disc">
                  {serverProblems.form.map((message) => (
                    <li key={message}>{message}</li>
                  ))}
                </ul>
              )}
            </div>
          ) : (
            <ErrorMessage error={save.error} />
          )}
        </div>
      )}
      {textField(
        'id',
        t('taskForm.id'),
        (props) => (
          <input
            {...props}
            name="id"
            data-autofocus
            className={inputClass}
            value={values.id}
            disabled={task !== null}
            onChange={(event) => {
              set('id', event.target.value);
            }}
          />
        ),
        t('taskForm.idHint'),
      )}
      {textField('description', t('taskForm.description'))}
      {textField('script_path', t('taskForm.scriptPath'), undefined, t('taskForm.scriptPathHint'))}
      {textField(
        'execute_path',
        t('taskForm.executePath'),
        undefined,
        t('taskForm.executePathHint'),
      )}
      {textField(
        'args',
        t('taskForm.args'),
        (props) => (
          <textarea
            {...props}
            name="args"
            rows={3}
            className={`${inputClass} font-mono`}
            value={values.args}
            onChange={(event) => {
              set('args', event.target.value);
            }}
          />
        ),
        t('taskForm.argsHint'),
      )}
      {textField(
        'environment',
        t('taskForm.environment'),
        (props) => (
          <textarea
            {...props}
            name="environment"
            rows={3}
            className={`${inputClass} font-mono`}
            value={values.environment}
            onChange={(event) => {
              set('environment', event.target.value);
            }}
          />
        ),
        t('taskForm.environmentHint'),
      )}
      {textField('cwd', t('taskForm.cwd'))}
      <fieldset className="space-y-2 sm:col-span-2">
        <legend className="text-sm font-medium">{t('taskForm.schedule')}</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          {(['none', 'interval', 'cron'] as const).map((kind) => (
            <label key={kind} className="inline-flex items-center gap-1.5">
              <input
                type="radio"
                name="schedule"
                value={kind}
                checked={values.schedule === kind}
                onChange={() => {
                  set('schedule', kind);
                }}
              />
              {t(`taskForm.schedule.${kind}`)}
            </label>
          ))}
        </div>
        {values.schedule === 'interval' && (
          <div className="grid gap-4 sm:grid-cols-2">
            {textField('interval_minutes', t('taskForm.intervalMinutes'), (props) => (
              <input
                {...props}
                name="interval_minutes"
                inputMode="decimal"
                className={inputClass}
                value={values.interval_minutes}
                onChange={(event) => {
                  set('interval_minutes', event.target.value);
                }}
              />
            ))}
          </div>
        )}
        {values.schedule === 'cron' && (
          <div className="grid gap-4 sm:grid-cols-2">
            {textField('cron', t('taskForm.cron'), undefined, t('taskForm.cronHint'))}
            {textField('timezone', t('taskForm.timezone'), undefined, t('taskForm.timezoneHint'))}
          </div>
        )}
      </fieldset>
      <div className="grid gap-4 sm:col-span-2 sm:grid-cols-3">
        {(['timeout', 'retry_count', 'retry_delay'] as const).map((field) => (
          <Field key={field} label={t(`taskForm.${field}`)} error={errorOf(field)}>
            {(props) => (
              <input
                {...props}
                name={field}
                inputMode="numeric"
                className={inputClass}
                value={values[field]}
                onChange={(event) => {
                  set(field, event.target.value);
                }}
              />
            )}
          </Field>
        ))}
      </div>
      <div className="flex flex-wrap gap-6 text-sm sm:col-span-2">
        <label className="inline-flex items-center gap-2">
          <input
            type="checkbox"
            name="enabled"
            checked={values.enabled}
            onChange={(event) => {
              set('enabled', event.target.checked);
            }}
          />
          {t('taskForm.enabled')}
        </label>
        <label className="inline-flex items-center gap-2">
          <input
            type="checkbox"
            name="shell"
            checked={values.shell}
            onChange={(event) => {
              set('shell', event.target.checked);
            }}
          />
          {t('taskForm.shell')}
        </label>
      </div>
      {(errorOf('enabled') ?? errorOf('shell')) && (
        <p className="text-xs text-red-700 sm:col-span-2 dark:text-red-400">
          {errorOf('enabled') ?? errorOf('shell')}
        </p>
      )}
    </FormModal>
  );
}
