import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { WebSocket } from 'ws';
import { ApiError, UnreachableError, networkReason, toApiError } from '../client.js';
import {
  DEFAULT_TIMEOUT_SECONDS,
  resolveToken,
  type CommandContext,
  type GlobalOptions,
  type Invocation,
  type Wrap,
} from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { UsageError } from '../failure.js';
import { formatBytes, formatDuration, formatTable, type Output, type Style } from '../output.js';

/** The answers of `/api/services…`, as the server's views define them. */
export interface InstanceAnswer {
  instance: number;
  state: string;
  desired: string;
  pid: number | null;
  port: number | null;
  restarts: number;
  uptimeSeconds: number;
  cpuPercent: number | null;
  rssBytes: number | null;
  lastExitCodes: (number | string | null)[];
  reason: string | null;
}

export interface ServiceAnswer {
  name: string;
  version: number;
  status: string;
  rolling: boolean;
  ready: number;
  desired: number;
  restarts: number;
  cpuPercent: number;
  rssBytes: number;
  spec: { readiness?: unknown; readiness_timeout_ms?: number; stop_timeout_ms?: number };
  instances: InstanceAnswer[];
  logTail?: { time: string; instance: number | null; stream: string; line: string }[];
}

export interface LogEntryAnswer {
  seq: number;
  time: string;
  source: { kind: string; id: string; instance?: number };
  stream: 'stdout' | 'stderr' | 'system';
  level: string;
  line: string;
}

interface StartOptions {
  instances?: number;
  port?: number;
  restart?: string;
  readyHttp?: string;
  readyTcp?: boolean;
  readyLog?: string;
  readyAfter?: number;
  maxMemory?: string;
  cwd?: string;
  env?: string[];
  shell?: boolean;
  wait?: boolean;
}

interface LogsOptions {
  follow?: boolean;
  lines?: number;
  instance?: number;
  level?: string;
}

const RESTART_POLICIES = ['always', 'on-failure', 'never'];
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];
/** States an instance passes through on its way to being ready, or to giving up. */
const MOVING = new Set(['starting', 'stopping', 'backoff']);

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

function oneOf(values: readonly string[]) {
  return (value: string): string => {
    const upper = values.includes(value.toUpperCase()) ? value.toUpperCase() : value;
    if (!values.includes(upper))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}.`);
    return upper;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

const servicePath = (name: string, tail = '') => `/api/services/${encodeURIComponent(name)}${tail}`;

/** `K=V` pairs into an environment; a bad pair is a usage error. */
export function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at === -1 ? pair : pair.slice(0, at);
    if (at === -1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new UsageError(`--env expects NAME=value, got '${pair}'`);
    env[key] = pair.slice(at + 1);
  }
  return env;
}

/** The service definition a `codedance start` command line describes. */
export function specFromFlags(
  name: string,
  command: readonly string[],
  options: StartOptions,
  cwd: string,
): Record<string, unknown> {
  const [program, ...args] = command;
  if (program === undefined) throw new UsageError('give the command to run after --');
  const checks = [
    options.readyHttp === undefined ? null : { type: 'http', path: options.readyHttp },
    options.readyTcp === true ? { type: 'tcp' } : null,
    options.readyLog === undefined ? null : { type: 'log', pattern: options.readyLog },
    options.readyAfter === undefined ? null : { type: 'uptime', seconds: options.readyAfter },
  ].filter((c) => c !== null);
  if (checks.length > 1)
    throw new UsageError('choose one of --ready-http, --ready-tcp, --ready-log and --ready-after');
  return {
    name,
    command: options.shell === true ? command.join(' ') : program,
    args: options.shell === true ? [] : args,
    cwd: resolve(cwd, options.cwd ?? '.'),
    env: parseEnv(options.env ?? []),
    ...(options.shell === true ? { shell: true } : {}),
    ...(options.instances === undefined ? {} : { instances: options.instances }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.restart === undefined ? {} : { restart: options.restart }),
    ...(checks[0] ? { readiness: checks[0] } : {}),
    ...(options.maxMemory === undefined ? {} : { max_memory: options.maxMemory }),
  };
}

/** PUT and DELETE, which the shared client does not speak; same auth, timeout and errors. */
async function send(
  ctx: CommandContext,
  globals: GlobalOptions,
  method: 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const url = ctx.url();
  const token = resolveToken(globals.token, ctx.io.env);
  const timeoutMs = (globals.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let status: number;
  let text: string;
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (error) {
    throw new UnreachableError(url, networkReason(error, timeoutMs), error);
  }
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (status >= 200 && status < 300) return parsed;
  throw toApiError(url, path, { status, body: parsed, text });
}

const STATUS_STYLE: Record<string, Style> = {
  ONLINE: 'green',
  STARTING: 'yellow',
  STOPPING: 'yellow',
  STOPPED: 'dim',
  CRASHLOOP: 'red',
  ERRORED: 'red',
};

function percent(value: number | null): string {
  return value === null ? '-' : `${value.toFixed(1)}%`;
}

/** The `codedance ls` table. */
export function formatServiceTable(out: Output, services: readonly ServiceAnswer[]): string[] {
  const rows = services.map((s) => {
    const running = s.instances.filter((i) => i.pid !== null);
    const uptime =
      running.length === 0 ? '-' : formatDuration(Math.min(...running.map((i) => i.uptimeSeconds)));
    return [
      s.name,
      out.paint(STATUS_STYLE[s.status] ?? 'bold', s.status),
      `${s.ready}/${s.desired}`,
      String(s.restarts),
      running.length === 0 ? '-' : percent(s.cpuPercent),
      running.length === 0 ? '-' : formatBytes(s.rssBytes),
      uptime,
      running.map((i) => i.pid).join(',') || '-',
    ];
  });
  return formatTable([
    ['NAME', 'STATUS', 'READY', 'RESTARTS', 'CPU', 'MEMORY', 'UPTIME', 'PIDS'],
    ...rows,
  ]);
}

/** One service and its instances, as start/stop/restart print it. */
export function formatService(out: Output, s: ServiceAnswer): string[] {
  const ok = s.status === 'ONLINE' || s.status === 'STOPPED';
  const head = `${out.tick(ok)} ${out.paint('bold', s.name)} ${out.paint(STATUS_STYLE[s.status] ?? 'bold', s.status)}  ${s.ready}/${s.desired} ready`;
  const rows = s.instances.map((i) => [
    `#${i.instance}`,
    i.state,
    i.pid === null ? '-' : `pid ${i.pid}`,
    i.port === null ? '' : `port ${i.port}`,
    `restarts ${i.restarts}`,
    i.reason ??
      (i.lastExitCodes.length > 0
        ? `last exits ${i.lastExitCodes.map((c) => String(c ?? '?')).join(', ')}`
        : ''),
  ]);
  const lines = [head, ...formatTable(rows, { indent: 2 })];
  for (const t of s.logTail ?? [])
    lines.push(out.paint('dim', `  | ${t.instance ?? '-'} ${t.line}`));
  return lines;
}

/**
 * Polls until no instance is on its way anywhere and no rollout runs, or
 * the deadline. Without a readiness check "online" only means spawned, so
 * such an instance must also have stayed up a second: a command that fails
 * at once is then reported as failing, not as started.
 */
async function settle(
  ctx: CommandContext,
  name: string,
  deadlineMs: number,
): Promise<ServiceAnswer> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const view = await ctx.client().get<ServiceAnswer>(servicePath(name));
    const moving = view.rolling || view.instances.some((i) => MOVING.has(i.state));
    const unproven =
      view.spec.readiness === undefined &&
      view.instances.some((i) => i.state === 'online' && i.uptimeSeconds < 1);
    if ((!moving && !unproven) || Date.now() > deadline) return view;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function report(ctx: CommandContext, view: ServiceAnswer, want: 'ONLINE' | 'STOPPED'): ExitCode {
  if (ctx.out.json) ctx.out.data(view);
  else ctx.out.lines(formatService(ctx.out, view));
  if (view.status === want) return EXIT_CODES.SUCCESS;
  if (!ctx.out.json)
    ctx.out.error(`${view.name} is ${view.status}, not ${want}; see: codedance logs ${view.name}`);
  return EXIT_CODES.FAILURE;
}

function readinessWait(view: ServiceAnswer): number {
  return (view.spec.readiness_timeout_ms ?? 30_000) + 5000;
}

async function runStart(
  ctx: CommandContext,
  call: Invocation<StartOptions>,
  operands: readonly string[],
  globals: GlobalOptions,
): Promise<ExitCode> {
  const [name = '', ...command] = operands;
  const client = ctx.client();
  let view: ServiceAnswer;
  if (command.length === 0) {
    try {
      view = await client.post<ServiceAnswer>(servicePath(name, '/start'), {});
    } catch (error) {
      if (error instanceof ApiError && error.status === 404)
        throw new UsageError(
          `there is no service '${name}': give its command, e.g. codedance start ${name} -- node app.js`,
        );
      throw error;
    }
  } else {
    const spec = specFromFlags(name, command, call.options, ctx.io.cwd);
    const exists = await client.get<ServiceAnswer>(servicePath(name)).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return false;
        throw error;
      },
    );
    if (exists) {
      await send(ctx, globals, 'PUT', `${servicePath(name)}?wait=false`, spec);
      view = await client.post<ServiceAnswer>(servicePath(name, '/start'), {});
    } else {
      view = await client.post<ServiceAnswer>('/api/services', spec);
    }
  }
  if (call.options.wait !== false) view = await settle(ctx, name, readinessWait(view));
  return report(ctx, view, 'ONLINE');
}

async function runStop(ctx: CommandContext, call: Invocation<object>): Promise<ExitCode> {
  const [name = ''] = call.args;
  const view = await ctx.client().post<ServiceAnswer>(servicePath(name, '/stop'), {});
  return report(ctx, view, 'STOPPED');
}

async function runRestart(
  ctx: CommandContext,
  call: Invocation<{ wait?: boolean }>,
): Promise<ExitCode> {
  const [name = ''] = call.args;
  // The rollout can outlast one request's timeout; it is followed by polling instead.
  let view = await ctx.client().post<ServiceAnswer>(servicePath(name, '/restart?wait=false'), {});
  if (call.options.wait !== false) {
    const perInstance = (view.spec.stop_timeout_ms ?? 5000) + readinessWait(view);
    view = await settle(ctx, name, perInstance * Math.max(1, view.instances.length));
  }
  return report(ctx, view, 'ONLINE');
}

async function runDelete(
  ctx: CommandContext,
  call: Invocation<object>,
  globals: GlobalOptions,
): Promise<ExitCode> {
  const [name = ''] = call.args;
  await send(ctx, globals, 'DELETE', servicePath(name));
  if (ctx.out.json) ctx.out.data({ name, deleted: true });
  else ctx.out.line(`${ctx.out.mark('pass')} deleted ${name}`);
  return EXIT_CODES.SUCCESS;
}

async function runScale(ctx: CommandContext, call: Invocation<object>): Promise<ExitCode> {
  const [name = '', count = ''] = call.args;
  const instances = integer(1, 64)(count);
  let view = await ctx.client().post<ServiceAnswer>(servicePath(name, '/scale'), { instances });
  view = await settle(ctx, name, readinessWait(view));
  return report(
    ctx,
    view,
    view.instances.some((i) => i.desired === 'running') ? 'ONLINE' : 'STOPPED',
  );
}

async function runList(ctx: CommandContext): Promise<ExitCode> {
  const answer = await ctx.client().get<{ services: ServiceAnswer[] }>('/api/services');
  if (ctx.out.json) ctx.out.data(answer.services);
  else if (answer.services.length === 0)
    ctx.out.line('no services yet; start one with: codedance start <name> -- <command>');
  else ctx.out.lines(formatServiceTable(ctx.out, answer.services));
  return EXIT_CODES.SUCCESS;
}

/** `12:03:04.120 api/0 listening on 3000`; stderr in red, Codedance's own lines dimmed. */
export function formatLogLine(out: Output, entry: LogEntryAnswer): string {
  const who = `${entry.source.id}/${entry.source.instance ?? '-'}`;
  const time = entry.time.slice(11, 23);
  const text = entry.stream === 'system' ? `[${entry.level}] ${entry.line}` : entry.line;
  const style: Style | null =
    entry.stream === 'stderr' ? 'red' : entry.stream === 'system' ? 'dim' : null;
  return `${out.paint('dim', time)} ${who} ${style === null ? text : out.paint(style, text)}`;
}

function printEntry(ctx: CommandContext, entry: LogEntryAnswer): void {
  if (ctx.out.json) ctx.out.event(entry);
  else ctx.out.line(formatLogLine(ctx.out, entry));
}

async function runLogs(
  ctx: CommandContext,
  call: Invocation<LogsOptions>,
  globals: GlobalOptions,
): Promise<ExitCode> {
  const [name = ''] = call.args;
  const { options } = call;
  const lines = options.lines ?? 50;
  const query = new URLSearchParams({ limit: String(Math.max(1, lines)) });
  if (options.instance !== undefined) query.set('instance', String(options.instance));
  if (options.level !== undefined) query.set('level', options.level);
  // Asked even for --lines 0: it is also how an unknown service is refused before following.
  const answer = await ctx
    .client()
    .get<{ entries: LogEntryAnswer[] }>(servicePath(name, `/logs?${query.toString()}`));
  const entries = lines === 0 ? [] : [...answer.entries].reverse();
  for (const entry of entries) printEntry(ctx, entry);
  if (options.follow !== true) return EXIT_CODES.SUCCESS;
  // Entries come newest first; following resumes right after the newest, printed or not.
  const last = answer.entries[0]?.seq ?? null;
  await follow(ctx, name, options, globals, last);
  return EXIT_CODES.SUCCESS;
}

const LEVEL_RANK: Record<string, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/**
 * Streams new lines over `/ws/logs` until Ctrl-C, reconnecting with the
 * last seq seen when the connection drops, so no line is lost or repeated.
 */
function follow(
  ctx: CommandContext,
  name: string,
  options: LogsOptions,
  globals: GlobalOptions,
  since: number | null,
): Promise<void> {
  const token = resolveToken(globals.token, ctx.io.env);
  const minLevel = LEVEL_RANK[options.level ?? 'DEBUG'] ?? 0;
  let lastSeq = since;
  let socket: WebSocket | null = null;
  let retry: NodeJS.Timeout | null = null;
  let delayMs = 250;
  let done = false;
  return new Promise<void>((resolveDone) => {
    const stop = (): void => {
      done = true;
      if (retry) clearTimeout(retry);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      socket?.close();
      resolveDone();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const connect = (): void => {
      const query = new URLSearchParams({ kind: 'service', id: name });
      if (lastSeq !== null) query.set('since', String(lastSeq));
      if (options.instance !== undefined) query.set('instance', String(options.instance));
      if (options.level !== undefined) query.set('level', options.level);
      const url = `${ctx.url().replace(/^http/, 'ws')}/ws/logs?${query.toString()}`;
      const ws = new WebSocket(
        url,
        token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
      );
      socket = ws;
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as
          | { type: 'entry'; entry: LogEntryAnswer }
          | { type: 'dropped'; count: number }
          | { type: 'ready' };
        if (message.type === 'ready') delayMs = 250;
        else if (message.type === 'dropped')
          ctx.out.error(
            `(${message.count} lines were not delivered in time; see codedance logs ${name} --lines N)`,
          );
        else {
          const { entry } = message;
          if (lastSeq !== null && entry.seq <= lastSeq) return;
          lastSeq = entry.seq;
          if (entry.source.id !== name) return;
          if (options.instance !== undefined && entry.source.instance !== options.instance) return;
          if ((LEVEL_RANK[entry.level] ?? 0) < minLevel) return;
          printEntry(ctx, entry);
        }
      });
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (done) return;
        ctx.out.error(`(connection to ${ctx.url()} lost; reconnecting)`);
        retry = setTimeout(connect, delayMs);
        delayMs = Math.min(5000, delayMs * 2);
      });
    };
    connect();
  });
}

export function registerServices(program: Command, wrap: Wrap): void {
  const globals = () => program.opts<GlobalOptions>();
  const start = program
    .command('start')
    .description('Define a service if it is new and start it (like pm2 start)')
    .argument('<name>', 'service name')
    .argument('[command...]', 'the command and its arguments, after --')
    .option(
      '-i, --instances <n>',
      'how many instances (instance i gets PORT = port + i)',
      integer(1, 64),
    )
    .option('-p, --port <port>', 'port of instance 0', integer(1, 65535))
    .option('--restart <policy>', 'always | on-failure | never', oneOf(RESTART_POLICIES))
    .option('--ready-http <path>', 'ready when GET <path> on the instance port answers 2xx/3xx')
    .option('--ready-tcp', 'ready when the instance port accepts connections')
    .option('--ready-log <regex>', 'ready when the instance logs a line matching <regex>')
    .option('--ready-after <seconds>', 'ready after running this long', positive)
    .option('--max-memory <size>', 'restart an instance above this memory, e.g. 200MB')
    .option('--cwd <dir>', 'working folder (default: the current one)')
    .option('--env <NAME=value>', 'an environment variable (repeat for more)', collect)
    .option('--shell', 'run the command line through /bin/sh')
    .option('--no-wait', 'return once started, without waiting for readiness')
    .addHelpText(
      'after',
      `
With a command, a new service is defined from this command line, and an existing one has its
definition replaced by it (a rolling restart applies the change). Without one, an existing
service is started. Exits 0 once every instance is online (ready), 1 when the service
crash-loops or is not ready in time.

Examples:
  $ codedance start api -i 2 -p 3000 --ready-http /health -- node server.js
  $ codedance start worker --restart on-failure --max-memory 300MB -- python worker.py
  $ codedance start api                     start an existing service again`,
    );
  start.action(wrap<StartOptions>((ctx, call) => runStart(ctx, call, start.args, globals())));
  program
    .command('stop')
    .description('Stop a service gracefully; it stays stopped across server restarts')
    .argument('<name>')
    .action(wrap(runStop));
  program
    .command('restart')
    .description('Rolling restart: one instance at a time, each ready before the next')
    .argument('<name>')
    .option('--no-wait', 'return at once; the rollout goes on')
    .action(wrap(runRestart));
  program
    .command('delete')
    .alias('rm')
    .description('Stop a service and delete its definition')
    .argument('<name>')
    .action(wrap<object>((ctx, call) => runDelete(ctx, call, globals())));
  program
    .command('scale')
    .description('Change the number of instances of a service')
    .argument('<name>')
    .argument('<instances>')
    .action(wrap(runScale));
  program
    .command('ls')
    .alias('list')
    .description('List services: status, ready instances, restarts, CPU, memory, uptime, pids')
    .action(wrap(runList));
  program
    .command('logs')
    .description("Show a service's log lines; -f follows new ones until Ctrl-C")
    .argument('<name>')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many recent lines (default 50)', integer(0, 5000))
    .option('--instance <i>', 'only this instance', integer(0, 63))
    .option(
      '--level <level>',
      'at least this level: DEBUG, INFO, WARNING, ERROR',
      oneOf(LOG_LEVELS),
    )
    .action(wrap<LogsOptions>((ctx, call) => runLogs(ctx, call, globals())));
}
