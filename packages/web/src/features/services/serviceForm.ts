import type { FieldProblem } from '../../api/client';
import type {
  Readiness,
  RESTART_POLICIES,
  Service,
  ServiceDefinition,
  STOP_SIGNALS,
} from '../../api/types';
import {
  argsFitLines,
  argsFromText,
  argsToText,
  envFitsLines,
  envFromText,
  envToText,
  type ListFormat,
  type ListProblem,
} from '../../forms/listText';

/**
 * The form's fields: text as typed, turned into a service definition on
 * submit. A nested field is named by its path with `_` (`backoff_max_ms` is
 * `/backoff/max_ms`), so the server's problems find their field by name.
 */
export interface ServiceFormValues {
  name: string;
  command: string;
  args: string;
  argsFormat: ListFormat;
  cwd: string;
  env: string;
  envFormat: ListFormat;
  shell: boolean;
  instances: string;
  port: string;
  restart: (typeof RESTART_POLICIES)[number];
  enabled: boolean;
  readiness: 'none' | Readiness['type'];
  readiness_path: string;
  readiness_port: string;
  readiness_expect_status: string;
  readiness_pattern: string;
  readiness_seconds: string;
  readiness_timeout_ms: string;
  max_memory: string;
  stop_signal: (typeof STOP_SIGNALS)[number];
  stop_timeout_ms: string;
  backoff_initial_ms: string;
  backoff_max_ms: string;
  backoff_multiplier: string;
  backoff_jitter: string;
  backoff_reset_after_ms: string;
  crashloop_max_restarts: string;
  crashloop_window_ms: string;
}

export type ServiceField = Exclude<keyof ServiceFormValues, 'argsFormat' | 'envFormat'>;

/** Fields typed as text that the definition holds as numbers. */
type NumberField =
  | 'instances'
  | 'port'
  | 'readiness_port'
  | 'readiness_seconds'
  | 'readiness_timeout_ms'
  | 'stop_timeout_ms'
  | 'backoff_initial_ms'
  | 'backoff_max_ms'
  | 'backoff_multiplier'
  | 'backoff_jitter'
  | 'backoff_reset_after_ms'
  | 'crashloop_max_restarts'
  | 'crashloop_window_ms';

type RequiredField =
  'name' | 'command' | 'readiness_path' | 'readiness_pattern' | 'readiness_seconds';

export const EMPTY_SERVICE_FORM: ServiceFormValues = {
  name: '',
  command: '',
  args: '',
  argsFormat: 'lines',
  cwd: '',
  env: '',
  envFormat: 'lines',
  shell: false,
  instances: '',
  port: '',
  restart: 'always',
  enabled: true,
  readiness: 'none',
  readiness_path: '',
  readiness_port: '',
  readiness_expect_status: '',
  readiness_pattern: '',
  readiness_seconds: '',
  readiness_timeout_ms: '',
  max_memory: '',
  stop_signal: 'SIGTERM',
  stop_timeout_ms: '',
  backoff_initial_ms: '',
  backoff_max_ms: '',
  backoff_multiplier: '',
  backoff_jitter: '',
  backoff_reset_after_ms: '',
  crashloop_max_restarts: '',
  crashloop_window_ms: '',
};

/** What the server fills in for an empty field (core's service schema), shown as placeholders. */
export const SERVER_DEFAULTS: Partial<Record<ServiceField, string>> = {
  instances: '1',
  readiness_expect_status: '200-399',
  readiness_timeout_ms: '30000',
  stop_timeout_ms: '5000',
  backoff_initial_ms: '100',
  backoff_max_ms: '30000',
  backoff_multiplier: '2',
  backoff_jitter: '0.2',
  backoff_reset_after_ms: '30000',
  crashloop_max_restarts: '5',
  crashloop_window_ms: '60000',
};

const text = (value: string | number | undefined): string =>
  value === undefined ? '' : String(value);

/**
 * The form filled from a service, to edit it. Arguments or variables that
 * lines cannot hold are shown as JSON, so saving sends them back unchanged.
 */
export function toFormValues(service: Service | null): ServiceFormValues {
  if (service === null) return { ...EMPTY_SERVICE_FORM };
  const spec = service.spec;
  const argsFormat: ListFormat = argsFitLines(spec.args) ? 'lines' : 'json';
  const envFormat: ListFormat = envFitsLines(spec.env) ? 'lines' : 'json';
  const readiness = spec.readiness;
  return {
    ...EMPTY_SERVICE_FORM,
    name: spec.name,
    command: spec.command,
    args: argsToText(spec.args, argsFormat),
    argsFormat,
    cwd: text(spec.cwd),
    env: envToText(spec.env, envFormat),
    envFormat,
    shell: spec.shell,
    instances: text(spec.instances),
    port: text(spec.port),
    restart: spec.restart,
    enabled: spec.enabled,
    readiness: readiness?.type ?? 'none',
    ...(readiness?.type === 'http' && {
      readiness_path: readiness.path,
      readiness_port: text(readiness.port),
      readiness_expect_status: text(readiness.expect_status),
    }),
    ...(readiness?.type === 'tcp' && { readiness_port: text(readiness.port) }),
    ...(readiness?.type === 'log' && { readiness_pattern: readiness.pattern }),
    ...(readiness?.type === 'uptime' && { readiness_seconds: text(readiness.seconds) }),
    readiness_timeout_ms: text(spec.readiness_timeout_ms),
    max_memory: text(spec.max_memory),
    stop_signal: spec.stop_signal,
    stop_timeout_ms: text(spec.stop_timeout_ms),
    backoff_initial_ms: text(spec.backoff.initial_ms),
    backoff_max_ms: text(spec.backoff.max_ms),
    backoff_multiplier: text(spec.backoff.multiplier),
    backoff_jitter: text(spec.backoff.jitter),
    backoff_reset_after_ms: text(spec.backoff.reset_after_ms),
    crashloop_max_restarts: text(spec.crashloop.max_restarts),
    crashloop_window_ms: text(spec.crashloop.window_ms),
  };
}

/** A problem the form sees itself; the caller translates `message`. */
export type LocalProblem = { field: ServiceField } & (
  { message: 'required' | 'number' } | ListProblem
);

/**
 * The definition the form describes, and the problems the form can see
 * without asking: a required field left empty, a number that is not one,
 * arguments or variables that do not read. Everything else (the name's
 * alphabet, ranges, whether a pattern compiles) is the server's to judge,
 * so the form and the API never disagree.
 */
export function fromFormValues(values: ServiceFormValues): {
  definition: ServiceDefinition;
  problems: LocalProblem[];
} {
  const problems: LocalProblem[] = [];
  const required = (field: RequiredField) => {
    const value = values[field].trim();
    if (value === '') problems.push({ field, message: 'required' });
    return value;
  };
  const number = (field: NumberField): number | undefined => {
    const raw = values[field].trim();
    if (raw === '') return undefined;
    const n = Number(raw);
    if (Number.isFinite(n)) return n;
    problems.push({ field, message: 'number' });
    return undefined;
  };

  const definition: ServiceDefinition = { name: required('name'), command: required('command') };
  const args = argsFromText(values.args, values.argsFormat);
  if (!args.ok) problems.push({ field: 'args', ...args.problem });
  else definition.args = args.value;
  const cwd = values.cwd.trim();
  if (cwd !== '') definition.cwd = cwd;
  const env = envFromText(values.env, values.envFormat);
  if (!env.ok) problems.push({ field: 'env', ...env.problem });
  else definition.env = env.value;
  definition.shell = values.shell;
  set(definition, 'instances', number('instances'));
  set(definition, 'port', number('port'));
  definition.restart = values.restart;
  definition.enabled = values.enabled;

  const readiness = readinessOf(values, required, number);
  if (readiness !== undefined) definition.readiness = readiness;
  set(definition, 'readiness_timeout_ms', number('readiness_timeout_ms'));

  const memory = values.max_memory.trim();
  // A number of bytes is sent as a number; a size such as 200MB as text.
  if (memory !== '') definition.max_memory = /^\d+$/.test(memory) ? Number(memory) : memory;
  definition.stop_signal = values.stop_signal;
  set(definition, 'stop_timeout_ms', number('stop_timeout_ms'));

  const backoff: NonNullable<ServiceDefinition['backoff']> = {};
  set(backoff, 'initial_ms', number('backoff_initial_ms'));
  set(backoff, 'max_ms', number('backoff_max_ms'));
  set(backoff, 'multiplier', number('backoff_multiplier'));
  set(backoff, 'jitter', number('backoff_jitter'));
  set(backoff, 'reset_after_ms', number('backoff_reset_after_ms'));
  if (Object.keys(backoff).length > 0) definition.backoff = backoff;
  const crashloop: NonNullable<ServiceDefinition['crashloop']> = {};
  set(crashloop, 'max_restarts', number('crashloop_max_restarts'));
  set(crashloop, 'window_ms', number('crashloop_window_ms'));
  if (Object.keys(crashloop).length > 0) definition.crashloop = crashloop;
  return { definition, problems };
}

function set<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: Exclude<T[K], undefined> | undefined,
): void {
  if (value !== undefined) target[key] = value;
}

function readinessOf(
  values: ServiceFormValues,
  required: (field: RequiredField) => string,
  number: (field: NumberField) => number | undefined,
): Readiness | undefined {
  switch (values.readiness) {
    case 'http': {
      const path = required('readiness_path');
      const port = number('readiness_port');
      const status = values.readiness_expect_status.trim();
      return {
        type: 'http',
        path,
        ...(port === undefined ? {} : { port }),
        // One status is a number; a range such as 200-299 is text.
        ...(status === '' ? {} : { expect_status: /^\d+$/.test(status) ? Number(status) : status }),
      };
    }
    case 'tcp': {
      const port = number('readiness_port');
      return { type: 'tcp', ...(port === undefined ? {} : { port }) };
    }
    case 'log':
      required('readiness_pattern');
      // Spaces are part of a pattern: it is sent as typed.
      return { type: 'log', pattern: values.readiness_pattern };
    case 'uptime': {
      const seconds =
        required('readiness_seconds') === '' ? undefined : number('readiness_seconds');
      // Without seconds the form has a problem to show and sends nothing.
      return seconds === undefined ? undefined : { type: 'uptime', seconds };
    }
    case 'none':
      return undefined;
  }
}

const FIELDS = new Set<string>(
  Object.keys(EMPTY_SERVICE_FORM).filter((k) => k !== 'argsFormat' && k !== 'envFormat'),
);
const isField = (name: string): name is ServiceField => FIELDS.has(name);

/**
 * The server's problems (JSON pointers such as `/instances`,
 * `/readiness/path`, `/env/1BAD`) by form field; a problem no field owns
 * (`/`, `/colour`) goes to the form as a whole, with its path.
 */
export function problemsByField(problems: readonly FieldProblem[]): {
  fields: Partial<Record<ServiceField, string[]>>;
  form: string[];
} {
  const fields: Partial<Record<ServiceField, string[]>> = {};
  const form: string[] = [];
  for (const problem of problems) {
    const segments = problem.path.split('/').slice(1);
    const nested = segments.slice(0, 2).join('_');
    const [head = ''] = segments;
    const [field, rest] =
      segments.length >= 2 && isField(nested)
        ? [nested, segments.slice(2)]
        : isField(head)
          ? [head, segments.slice(1)]
          : [null, []];
    if (field === null) {
      form.push(
        problem.path && problem.path !== '/'
          ? `${problem.path} ${problem.message}`
          : problem.message,
      );
      continue;
    }
    (fields[field] ??= []).push(
      rest.length > 0 ? `${rest.join('/')}: ${problem.message}` : problem.message,
    );
  }
  return { fields, form };
}
