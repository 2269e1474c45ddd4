import type { FieldProblem } from '../errors/index.js';
import { validateServiceSpec, type ServiceSpec } from '../services/index.js';
import { validateTaskSpec, type TaskSpec, type Validated } from '../tasks/index.js';
import { keyWarnings } from './pm2-keys.js';
import {
  interpreterFor,
  nameFromScript,
  readDurationMs,
  readEnv,
  readInstances,
  readWords,
  type Read,
} from './pm2-values.js';

/** What a PM2 ecosystem file becomes. Warnings name what was ignored; problems what failed. */
export interface Pm2Import {
  services: ServiceSpec[];
  tasks: TaskSpec[];
  warnings: FieldProblem[];
  problems: FieldProblem[];
}

type Loose = Record<string, unknown>;

function isObject(value: unknown): value is Loose {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Maps PM2's ecosystem format (`{ apps: [...] }` or an array of apps) onto
 * services, and onto tasks for apps PM2 only ever ran on a schedule
 * (`cron_restart` with `autorestart: false`). Keys PM2 has and Codedance
 * does not act on become warnings naming the key; a file that cannot be
 * mapped becomes problems. Paths point into the ecosystem document.
 */
export function parsePm2Ecosystem(value: unknown, options: { cpus: number }): Pm2Import {
  const result: Pm2Import = { services: [], tasks: [], warnings: [], problems: [] };
  let apps: unknown[];
  let base = '';
  if (Array.isArray(value)) {
    apps = value;
  } else if (isObject(value) && Array.isArray(value.apps)) {
    apps = value.apps;
    base = '/apps';
    for (const key of Object.keys(value).filter((k) => k !== 'apps')) {
      result.warnings.push({
        path: `/${key}`,
        message:
          key === 'deploy'
            ? 'PM2 deploy is not imported; Codedance releases through deployments'
            : 'is not a PM2 field Codedance knows; ignored',
      });
    }
  } else {
    result.problems.push({ path: '', message: 'must be { "apps": [...] } or an array of apps' });
    return result;
  }
  const seen = new Map<string, string>();
  apps.forEach((app, index) => {
    const path = `${base}/${index}`;
    const mapped = mapApp(app, path, options.cpus);
    result.warnings.push(...mapped.warnings);
    result.problems.push(...mapped.problems);
    const name = mapped.task?.id ?? mapped.service?.name;
    if (name === undefined) return;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      result.problems.push({ path: `${path}/name`, message: `repeats the name of ${earlier}` });
      return;
    }
    seen.set(name, path);
    if (mapped.task !== undefined) result.tasks.push(mapped.task);
    if (mapped.service !== undefined) result.services.push(mapped.service);
  });
  return result;
}

/** One app's outcome: a task or a service when it mapped cleanly. */
interface Mapped {
  task?: TaskSpec;
  service?: ServiceSpec;
  warnings: FieldProblem[];
  problems: FieldProblem[];
}

/** Where a field of the produced spec came from in the app, to point problems there. */
type Origins = [specPath: string, appPath: string, keepRest: boolean][];

/** What every app has, service or task, read from its PM2 keys. */
interface Common {
  name: unknown;
  script: string;
  interpreter: string | undefined;
  interpreterKey: string;
  interpreterArgs: string[];
  args: string[];
  env: Record<string, string>;
  cwd: { cwd?: unknown };
}

type Reader = <T>(r: Read<T>) => T | undefined;

function mapApp(app: unknown, path: string, cpus: number): Mapped {
  const out: Mapped = { warnings: [], problems: [] };
  if (!isObject(app)) return { ...out, problems: [{ path, message: 'must be object' }] };
  const read: Reader = (r) => {
    if ('problem' in r) out.problems.push(r.problem);
    return 'value' in r ? r.value : undefined;
  };
  const { script } = app;
  if (typeof script !== 'string' || script.trim() === '') {
    const message = script === undefined ? 'is required' : 'must be a non-empty string';
    return { ...out, problems: [{ path: `${path}/script`, message }] };
  }
  const asTask = app.autorestart === false && app.cron_restart !== undefined;
  out.warnings.push(...keyWarnings(app, path, asTask));
  const common = readCommon(app, path, script, read, out.problems);
  if (common.interpreterArgs.length > 0 && (common.interpreter === undefined || asTask)) {
    out.warnings.push({
      path: `${path}/${app.interpreter_args === undefined ? 'node_args' : 'interpreter_args'}`,
      message:
        common.interpreter === undefined
          ? 'is ignored: the script runs without an interpreter'
          : 'is ignored: a task passes arguments only after its script',
    });
  }
  if (out.problems.length > 0) return out;
  if (asTask) {
    const { input, origins } = taskInput(app, path, common);
    const task = checked(validateTaskSpec(input), origins, path);
    return { ...out, problems: task.problems, ...(task.value && { task: task.value }) };
  }
  const { input, origins } = serviceInput(app, path, cpus, read, common);
  if (out.problems.length > 0) return out;
  const service = checked(validateServiceSpec(input), origins, path);
  return { ...out, problems: service.problems, ...(service.value && { service: service.value }) };
}

function readCommon(
  app: Loose,
  path: string,
  script: string,
  read: Reader,
  problems: FieldProblem[],
): Common {
  const interpreterKey = app.interpreter === undefined ? 'exec_interpreter' : 'interpreter';
  const chosen = app[interpreterKey];
  if (chosen !== undefined && typeof chosen !== 'string') {
    problems.push({ path: `${path}/${interpreterKey}`, message: 'must be string' });
  }
  return {
    name: app.name ?? nameFromScript(script),
    script,
    interpreter:
      chosen === 'none' ? undefined : typeof chosen === 'string' ? chosen : interpreterFor(script),
    interpreterKey,
    interpreterArgs: ['interpreter_args', 'node_args'].flatMap((key) =>
      app[key] === undefined ? [] : (read(readWords(app[key], `${path}/${key}`)) ?? []),
    ),
    args: app.args === undefined ? [] : (read(readWords(app.args, `${path}/args`)) ?? []),
    env: app.env === undefined ? {} : (read(readEnv(app.env, `${path}/env`)) ?? {}),
    cwd: app.cwd === undefined ? {} : { cwd: app.cwd },
  };
}

function taskInput(app: Loose, path: string, common: Common): { input: Loose; origins: Origins } {
  const input = {
    id: common.name,
    script_path: common.script,
    ...(common.interpreter === undefined ? {} : { execute_path: common.interpreter }),
    ...(common.args.length === 0 ? {} : { args: common.args }),
    ...common.cwd,
    ...(Object.keys(common.env).length === 0 ? {} : { environment: common.env }),
    cron: app.cron_restart,
  };
  const origins: Origins = [
    ['/id', `${path}/name`, false],
    ['/script_path', `${path}/script`, false],
    ['/execute_path', `${path}/${common.interpreterKey}`, false],
    ['/args', `${path}/args`, false],
    ['/cwd', `${path}/cwd`, false],
    ['/environment', `${path}/env`, true],
    ['/cron', `${path}/cron_restart`, false],
  ];
  return { input, origins };
}

function serviceInput(
  app: Loose,
  path: string,
  cpus: number,
  read: Reader,
  common: Common,
): { input: Loose; origins: Origins } {
  const { PORT: portText, ...env } = common.env;
  const port = portText !== undefined && /^\d{1,5}$/.test(portText) ? Number(portText) : undefined;
  const { interpreter, script, interpreterArgs } = common;
  const input: Loose = {
    name: common.name,
    command: interpreter ?? script,
    args: interpreter === undefined ? common.args : [...interpreterArgs, script, ...common.args],
    env: port === undefined ? common.env : env,
    ...common.cwd,
  };
  if (port !== undefined) input.port = port;
  if (app.instances !== undefined) {
    input.instances = read(readInstances(app.instances, cpus, `${path}/instances`));
  }
  if (app.autorestart === false) input.restart = 'never';
  if (app.max_memory_restart !== undefined) input.max_memory = app.max_memory_restart;
  if (app.kill_timeout !== undefined) input.stop_timeout_ms = app.kill_timeout;
  const backoff: Loose = {};
  const delay = app.exp_backoff_restart_delay ?? app.restart_delay;
  if (app.exp_backoff_restart_delay !== undefined) {
    // PM2 grows this delay by 1.5 per restart up to 15 s.
    Object.assign(backoff, {
      initial_ms: delay,
      multiplier: 1.5,
      max_ms: Math.max(15_000, Number(delay) || 0),
    });
  } else if (app.restart_delay !== undefined) {
    Object.assign(backoff, { initial_ms: delay, max_ms: delay, multiplier: 1 });
  }
  if (app.min_uptime !== undefined) {
    backoff.reset_after_ms = read(readDurationMs(app.min_uptime, `${path}/min_uptime`));
  }
  if (Object.keys(backoff).length > 0) input.backoff = backoff;
  if (app.max_restarts !== undefined) input.crashloop = { max_restarts: app.max_restarts };
  const logs = logSettings(app);
  if (Object.keys(logs).length > 0) input.logs = logs;
  const delayKey =
    app.exp_backoff_restart_delay === undefined ? 'restart_delay' : 'exp_backoff_restart_delay';
  const origins: Origins = [
    ['/name', `${path}/name`, false],
    ['/command', `${path}/script`, false],
    ['/args', `${path}/args`, false],
    ['/cwd', `${path}/cwd`, false],
    ['/env', `${path}/env`, true],
    ['/port', `${path}/env/PORT`, false],
    ['/instances', `${path}/instances`, false],
    ['/max_memory', `${path}/max_memory_restart`, false],
    ['/stop_timeout_ms', `${path}/kill_timeout`, false],
    ['/backoff/reset_after_ms', `${path}/min_uptime`, false],
    ['/backoff', `${path}/${delayKey}`, false],
    ['/crashloop', `${path}/max_restarts`, false],
    ['/logs/out_file', `${path}/out_file`, false],
    ['/logs/error_file', `${path}/error_file`, false],
    ['/logs/combined_file', `${path}/log_file`, false],
    ['/logs/date_format', `${path}/log_date_format`, false],
    [
      '/logs/merge',
      `${path}/${app.merge_logs === undefined ? 'combine_logs' : 'merge_logs'}`,
      false,
    ],
  ];
  return { input, origins };
}

/** PM2's log keys as a service's `logs`; false and null leave a key out, as PM2 reads them. */
function logSettings(app: Loose): Loose {
  const logs: Loose = {};
  const given = (key: string) => app[key] !== undefined && app[key] !== null && app[key] !== false;
  if (given('out_file')) logs.out_file = app.out_file;
  if (given('error_file')) logs.error_file = app.error_file;
  if (given('log_file')) logs.combined_file = app.log_file;
  if (given('log_date_format')) logs.date_format = app.log_date_format;
  const merge = app.merge_logs ?? app.combine_logs;
  if (merge !== undefined && merge !== null) logs.merge = merge;
  return logs;
}

/** The validated spec, or its problems pointed back at the app's keys. */
function checked<T>(
  result: Validated<T>,
  origins: Origins,
  path: string,
): { value?: T; problems: FieldProblem[] } {
  if (result.ok) return { value: result.value, problems: [] };
  const problems = result.problems.map((problem) => {
    const origin = origins.find(
      ([spec]) => problem.path === spec || problem.path.startsWith(`${spec}/`),
    );
    if (origin === undefined) {
      return { path, message: `${problem.path.slice(1)} ${problem.message}` };
    }
    const [spec, app, keepRest] = origin;
    return {
      path: keepRest ? app + problem.path.slice(spec.length) : app,
      message: problem.message,
    };
  });
  return { problems };
}
