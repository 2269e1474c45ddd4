import type { FieldProblem } from '../../api/client';
import type { Task, TaskSpec } from '../../api/types';
import { argsFromText, argsToText, envFromText, envToText } from '../../forms/listText';

/** The form's fields: text as typed, turned into a task definition on submit. */
export interface TaskFormValues {
  id: string;
  description: string;
  script_path: string;
  execute_path: string;
  /** One argument per line. */
  args: string;
  cwd: string;
  /** `NAME=value`, one per line. */
  environment: string;
  schedule: 'none' | 'interval' | 'cron';
  interval_minutes: string;
  cron: string;
  timezone: string;
  timeout: string;
  retry_count: string;
  retry_delay: string;
  enabled: boolean;
  shell: boolean;
}

export type TaskField = Exclude<keyof TaskFormValues, 'schedule'>;

export const EMPTY_TASK_FORM: TaskFormValues = {
  id: '',
  description: '',
  script_path: '',
  execute_path: '',
  args: '',
  cwd: '',
  environment: '',
  schedule: 'none',
  interval_minutes: '',
  cron: '',
  timezone: '',
  timeout: '',
  retry_count: '',
  retry_delay: '',
  enabled: true,
  shell: false,
};

const text = (value: string | number | undefined): string =>
  value === undefined ? '' : String(value);

/** The form filled from an existing task, for editing. */
export function toFormValues(task: Task | null): TaskFormValues {
  if (task === null) return { ...EMPTY_TASK_FORM };
  return {
    id: task.id,
    description: text(task.description),
    script_path: task.script_path,
    execute_path: text(task.execute_path),
    args: argsToText(task.args ?? [], 'lines'),
    cwd: text(task.cwd),
    environment: envToText(task.environment ?? {}, 'lines'),
    schedule: task.cron ? 'cron' : task.interval_minutes !== undefined ? 'interval' : 'none',
    interval_minutes: text(task.interval_minutes),
    cron: text(task.cron),
    timezone: text(task.timezone),
    timeout: text(task.timeout),
    retry_count: text(task.retry_count),
    retry_delay: text(task.retry_delay),
    enabled: task.enabled !== false,
    shell: task.shell === true,
  };
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Problem messages the form finds itself; keys of `messages` are translated by the caller. */
export interface LocalProblem {
  field: TaskField;
  message:
    'required' | 'idPattern' | 'number' | 'positive' | 'wholeNumber' | 'envLine' | 'envRepeat';
  line?: number;
  /** The variable a line repeats. */
  name?: string;
}

/**
 * The definition the form describes, and the problems it can see without
 * asking the server (which judges the rest and answers with the same kind
 * of problems).
 */
export function fromFormValues(values: TaskFormValues): {
  spec: TaskSpec;
  problems: LocalProblem[];
} {
  const problems: LocalProblem[] = [];
  const spec: TaskSpec = { id: values.id.trim(), script_path: values.script_path.trim() };
  if (spec.id === '') problems.push({ field: 'id', message: 'required' });
  else if (!ID_PATTERN.test(spec.id)) problems.push({ field: 'id', message: 'idPattern' });
  if (spec.script_path === '') problems.push({ field: 'script_path', message: 'required' });

  const optional = (field: 'description' | 'execute_path' | 'cwd') => {
    const value = values[field].trim();
    if (value !== '') spec[field] = value;
  };
  optional('description');
  optional('execute_path');
  optional('cwd');

  // Lines always read as arguments; only the environment can be wrong.
  const args = argsFromText(values.args, 'lines');
  if (args.ok && args.value.length > 0) spec.args = args.value;

  const environment = envFromText(values.environment, 'lines');
  if (!environment.ok) {
    const { problem } = environment;
    problems.push({
      field: 'environment',
      message: problem.message === 'envRepeat' ? 'envRepeat' : 'envLine',
      ...('line' in problem ? { line: problem.line } : {}),
      ...('name' in problem ? { name: problem.name } : {}),
    });
  } else if (Object.keys(environment.value).length > 0) spec.environment = environment.value;

  const number = (
    field: 'interval_minutes' | 'timeout' | 'retry_count' | 'retry_delay',
    rules: { whole?: boolean; positive?: boolean },
  ): number | undefined => {
    const raw = values[field].trim();
    if (raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) {
      problems.push({ field, message: 'number' });
      return undefined;
    }
    if (rules.whole === true && !Number.isInteger(n))
      problems.push({ field, message: 'wholeNumber' });
    else if (rules.positive === true ? n <= 0 : n < 0)
      problems.push({ field, message: 'positive' });
    return n;
  };

  if (values.schedule === 'interval') {
    const interval = number('interval_minutes', { positive: true });
    if (values.interval_minutes.trim() === '')
      problems.push({ field: 'interval_minutes', message: 'required' });
    if (interval !== undefined) spec.interval_minutes = interval;
  } else if (values.schedule === 'cron') {
    if (values.cron.trim() === '') problems.push({ field: 'cron', message: 'required' });
    else spec.cron = values.cron.trim();
    if (values.timezone.trim() !== '') spec.timezone = values.timezone.trim();
  }
  const timeout = number('timeout', { whole: true, positive: true });
  if (timeout !== undefined) spec.timeout = timeout;
  const retryCount = number('retry_count', { whole: true });
  if (retryCount !== undefined) spec.retry_count = retryCount;
  const retryDelay = number('retry_delay', {});
  if (retryDelay !== undefined) spec.retry_delay = retryDelay;
  spec.enabled = values.enabled;
  if (values.shell) spec.shell = true;
  return { spec, problems };
}

const FIELDS: readonly TaskField[] = [
  'id',
  'description',
  'script_path',
  'execute_path',
  'args',
  'cwd',
  'environment',
  'interval_minutes',
  'cron',
  'timezone',
  'timeout',
  'retry_count',
  'retry_delay',
  'enabled',
  'shell',
];

/**
 * The server's problems (JSON pointers such as `/script_path`,
 * `/environment/1BAD`, `/args/0`) by form field; a problem with no field of
 * its own (`/`, `/colour`) goes to the form as a whole, with its path.
 */
export function problemsByField(problems: readonly FieldProblem[]): {
  fields: Partial<Record<TaskField, string[]>>;
  form: string[];
} {
  const fields: Partial<Record<TaskField, string[]>> = {};
  const form: string[] = [];
  for (const problem of problems) {
    const head = problem.path.split('/')[1] ?? '';
    const field = FIELDS.find((f) => f === head);
    if (field === undefined) {
      form.push(
        problem.path && problem.path !== '/'
          ? `${problem.path} ${problem.message}`
          : problem.message,
      );
      continue;
    }
    const rest = problem.path.slice(head.length + 1);
    (fields[field] ??= []).push(rest ? `${rest.slice(1)}: ${problem.message}` : problem.message);
  }
  return { fields, form };
}
