import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client';
import { READINESS_TYPES, RESTART_POLICIES, STOP_SIGNALS, type Service } from '../../api/types';
import { useI18n } from '../../i18n/I18nProvider';
import { Field, inputClass, type ControlProps } from '../../ui/Field';
import { FormModal } from '../../ui/FormModal';
import { convertList } from '../../forms/listText';
import { useSaveService } from './queries';
import { Refusal } from './Refusal';
import {
  SERVER_DEFAULTS,
  fromFormValues,
  problemsByField,
  toFormValues,
  type LocalProblem,
  type ServiceField,
  type ServiceFormValues,
} from './serviceForm';

/** Fields whose value is free text (not a choice from a list). */
type TextField = {
  [K in ServiceField]: string extends ServiceFormValues[K] ? K : never;
}[ServiceField];

const checkbox = 'inline-flex items-center gap-2 text-sm';
const legend = 'text-sm font-semibold text-slate-800 dark:text-slate-200';

/**
 * The form to define a service or change one. What the form can see is
 * wrong is shown at once; the server's refusal (400 with its problems) is
 * shown above the form and next to each field it names, and what was typed
 * stays as it was.
 */
export function ServiceForm({
  service,
  onClose,
  onSaved,
}: {
  service: Service | null;
  onClose: () => void;
  onSaved?: (service: Service) => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<ServiceFormValues>(() => toFormValues(service));
  const [local, setLocal] = useState<LocalProblem[]>([]);
  const [start, setStart] = useState(true);
  // The version the form was filled from: a change saved since then is refused, not overwritten.
  const [version] = useState(service?.version ?? null);
  const save = useSaveService();
  const summary = useRef<HTMLDivElement>(null);
  // A refusal arrives while the person may be scrolled far below it: bring it into view.
  useEffect(() => {
    if (save.error !== null) summary.current?.focus();
  }, [save.error]);
  const server = problemsByField(save.error instanceof ApiError ? save.error.problems : []);

  const set = <K extends keyof ServiceFormValues>(field: K, value: ServiceFormValues[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
  };
  const errorOf = (field: ServiceField): string | null => {
    const mine = local
      .filter((p) => p.field === field)
      .map((p) =>
        t(`serviceForm.problem.${p.message}`, {
          line: 'line' in p ? p.line : 0,
          name: 'name' in p ? p.name : '',
        }),
      );
    const all = [...mine, ...(server.fields[field] ?? [])];
    return all.length === 0 ? null : all.join('; ');
  };

  /** A labelled control bound to one field; an input unless `control` says otherwise. */
  const field = (
    name: TextField,
    options: {
      hint?: string;
      className?: string;
      control?: (props: ControlProps) => ReactNode;
      inputMode?: 'numeric' | 'decimal';
    } = {},
  ) => (
    <Field
      label={t(`serviceForm.${name}`)}
      error={errorOf(name)}
      {...(options.hint === undefined ? {} : { hint: options.hint })}
      {...(options.className === undefined ? {} : { className: options.className })}
    >
      {options.control ??
        ((props) => (
          <input
            {...props}
            name={name}
            className={inputClass}
            value={values[name]}
            placeholder={service === null ? SERVER_DEFAULTS[name] : undefined}
            {...(options.inputMode === undefined ? {} : { inputMode: options.inputMode })}
            onChange={(event) => {
              set(name, event.target.value);
            }}
          />
        ))}
    </Field>
  );

  /** Arguments or environment: a text box, and the switch between lines and JSON. */
  const list = (kind: 'args' | 'env') => {
    const formatKey = kind === 'args' ? 'argsFormat' : 'envFormat';
    const format = values[formatKey];
    return (
      <div className="space-y-1.5 sm:col-span-2">
        {field(kind, {
          hint: t(`serviceForm.${kind}Hint.${format}`),
          control: (props) => (
            <textarea
              {...props}
              name={kind}
              rows={4}
              spellCheck={false}
              className={`${inputClass} font-mono`}
              value={values[kind]}
              onChange={(event) => {
                set(kind, event.target.value);
              }}
            />
          ),
        })}
        <label className={checkbox}>
          <input
            type="checkbox"
            checked={format === 'json'}
            onChange={(event) => {
              const to = event.target.checked ? 'json' : 'lines';
              const converted = convertList(kind, values[kind], format, to);
              const others = local.filter((p) => p.field !== kind);
              if (!converted.ok) {
                setLocal([...others, { field: kind, ...converted.problem }]);
                return;
              }
              setLocal(others);
              setValues((v) => ({ ...v, [kind]: converted.value, [formatKey]: to }));
            }}
          />
          {t(kind === 'args' ? 'serviceForm.argsJson' : 'serviceForm.envJson')}
        </label>
      </div>
    );
  };

  const select = <K extends 'restart' | 'stop_signal'>(
    name: K,
    options: readonly ServiceFormValues[K][],
    label: (option: ServiceFormValues[K]) => string,
  ) => (
    <Field label={t(`serviceForm.${name}`)} error={errorOf(name)}>
      {(props) => (
        <select
          {...props}
          name={name}
          className={inputClass}
          value={values[name]}
          onChange={(event) => {
            set(name, event.target.value as ServiceFormValues[K]);
          }}
        >
          {options.map((option) => (
            <option key={option} value={option}>
              {label(option)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  const submit = () => {
    const { definition, problems } = fromFormValues(values);
    setLocal(problems);
    save.reset();
    if (problems.length > 0) return;
    save.mutate(
      { definition, version, start },
      {
        onSuccess: (saved) => {
          onSaved?.(saved);
          onClose();
        },
      },
    );
  };

  const readinessError = errorOf('readiness');
  // The backoff section starts closed, and opens when one of its fields has a problem.
  const inBackoff = (f: string) => f.startsWith('backoff_') || f.startsWith('crashloop_');
  const backoffProblem =
    local.some((p) => inBackoff(p.field)) || Object.keys(server.fields).some(inBackoff);
  const run = values.readiness;

  return (
    <FormModal
      title={
        service === null
          ? t('serviceForm.createTitle')
          : t('serviceForm.editTitle', { name: service.name })
      }
      submitLabel={service === null ? t('serviceForm.create') : t('serviceForm.save')}
      busy={save.isPending}
      onSubmit={submit}
      onClose={onClose}
    >
      {save.error !== null && (
        <div ref={summary} tabIndex={-1} className="outline-none sm:col-span-2">
          <Refusal error={save.error} formProblems={server.form} />
        </div>
      )}
      {field('name', {
        hint: t('serviceForm.nameHint'),
        control: (props) => (
          <input
            {...props}
            name="name"
            // A fixed name cannot take focus: the first field that can takes it.
            data-autofocus={service === null ? true : undefined}
            autoComplete="off"
            className={inputClass}
            value={values.name}
            disabled={service !== null}
            onChange={(event) => {
              set('name', event.target.value);
            }}
          />
        ),
      })}
      {field('command', { hint: t('serviceForm.commandHint') })}
      {list('args')}
      {list('env')}
      {field('cwd', { hint: t('serviceForm.cwdHint') })}

      <fieldset className="sm:col-span-2">
        <legend className={`${legend} mb-2`}>{t('serviceForm.run')}</legend>
        <div className="grid gap-4 sm:grid-cols-3">
          {field('instances', { hint: t('serviceForm.instancesHint'), inputMode: 'numeric' })}
          {field('port', { hint: t('serviceForm.portHint'), inputMode: 'numeric' })}
          {select('restart', RESTART_POLICIES, (p) => t(`serviceForm.restart.${p}`))}
          <div className="flex flex-wrap gap-x-6 gap-y-2 sm:col-span-3">
            <label className={checkbox}>
              <input
                type="checkbox"
                name="enabled"
                checked={values.enabled}
                onChange={(event) => {
                  set('enabled', event.target.checked);
                }}
              />
              {t('serviceForm.enabled')}
            </label>
            <label className={checkbox}>
              <input
                type="checkbox"
                name="shell"
                checked={values.shell}
                onChange={(event) => {
                  set('shell', event.target.checked);
                }}
              />
              {t('serviceForm.shell')}
            </label>
            {service === null && (
              <label className={checkbox}>
                <input
                  type="checkbox"
                  name="start"
                  checked={start}
                  onChange={(event) => {
                    setStart(event.target.checked);
                  }}
                />
                {t('serviceForm.start')}
              </label>
            )}
          </div>
          {(errorOf('enabled') ?? errorOf('shell')) && (
            <p className="text-xs text-red-700 sm:col-span-3 dark:text-red-400">
              {[errorOf('enabled'), errorOf('shell')].filter(Boolean).join('; ')}
            </p>
          )}
        </div>
      </fieldset>

      <fieldset className="space-y-3 sm:col-span-2">
        <legend className={`${legend} mb-2`}>{t('serviceForm.readiness')}</legend>
        <div className="flex flex-wrap gap-x-4 gap-y-2 text-sm">
          {(['none', ...READINESS_TYPES] as const).map((kind) => (
            <label key={kind} className="inline-flex items-center gap-1.5">
              <input
                type="radio"
                name="readiness"
                value={kind}
                checked={run === kind}
                onChange={() => {
                  set('readiness', kind);
                }}
              />
              {t(`serviceForm.readiness.${kind}`)}
            </label>
          ))}
        </div>
        {readinessError && (
          <p className="text-xs font-medium text-red-700 dark:text-red-400">{readinessError}</p>
        )}
        <div className="grid gap-4 sm:grid-cols-3">
          {run === 'http' && field('readiness_path', { hint: t('serviceForm.readiness_pathHint') })}
          {(run === 'http' || run === 'tcp') &&
            field('readiness_port', {
              hint: t('serviceForm.readiness_portHint'),
              inputMode: 'numeric',
            })}
          {run === 'http' &&
            field('readiness_expect_status', {
              hint: t('serviceForm.readiness_expect_statusHint'),
            })}
          {run === 'log' &&
            field('readiness_pattern', {
              hint: t('serviceForm.readiness_patternHint'),
              className: 'sm:col-span-2',
            })}
          {run === 'uptime' && field('readiness_seconds', { inputMode: 'decimal' })}
          {run !== 'none' && field('readiness_timeout_ms', { inputMode: 'numeric' })}
        </div>
      </fieldset>

      <fieldset className="sm:col-span-2">
        <legend className={`${legend} mb-2`}>{t('serviceForm.stopping')}</legend>
        <div className="grid gap-4 sm:grid-cols-3">
          {field('max_memory', { hint: t('serviceForm.max_memoryHint') })}
          {select('stop_signal', STOP_SIGNALS, (s) => s)}
          {field('stop_timeout_ms', {
            hint: t('serviceForm.stop_timeout_msHint'),
            inputMode: 'numeric',
          })}
        </div>
      </fieldset>

      <details className="sm:col-span-2" open={backoffProblem}>
        <summary className={`${legend} cursor-pointer`}>{t('serviceForm.backoff')}</summary>
        <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
          {t('serviceForm.backoffHint')}
        </p>
        <div className="mt-3 grid gap-4 sm:grid-cols-3">
          {(
            [
              'backoff_initial_ms',
              'backoff_max_ms',
              'backoff_multiplier',
              'backoff_jitter',
              'backoff_reset_after_ms',
              'crashloop_max_restarts',
              'crashloop_window_ms',
            ] as const
          ).map((name) => (
            <div key={name}>{field(name, { inputMode: 'decimal' })}</div>
          ))}
        </div>
      </details>
    </FormModal>
  );
}
