import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { WebSocket } from 'ws';
import { ApiError } from '../client.js';
import {
  resolveToken,
  type CommandContext,
  type GlobalOptions,
  type Invocation,
  type Wrap,
} from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { UsageError } from '../failure.js';
import { formatDuration, formatTable, type Output, type Style } from '../output.js';
import { parseEnv, type LogEntryAnswer } from './services.js';

/** The answers of `/api/tasks…`: a task definition (seed 004 fields) plus its live status. */
export interface TaskAnswer {
  id: string;
  script_path: string;
  execute_path?: string;
  args?: string[];
  cwd?: string;
  environment?: Record<string, string>;
  interval_minutes?: number;
  cron?: string;
  timezone?: string;
  enabled: boolean;
  description?: string;
  timeout?: number;
  retry_count: number;
  retry_delay: number;
  retry_backoff: string;
  retry_jitter: number;
  max_concurrent: number;
  overlap: string;
  misfire: string;
  shell: boolean;
  version: number;
  status: string;
  running: number;
  queued: number;
  nextRunAt: string | null;
  lastRun: {
    run: string;
    status: string;
    reason: string | null;
    finishedAt: string;
    durationMs: number;
    exitCode: number | null;
  } | null;
}

/** `GET /api/tasks/:id`; `stats` comes from newer servers. */
export interface TaskDetailAnswer extends TaskAnswer {
  upcoming: string[];
  stats?: { runs: number; successRate: number | null; meanDurationMs: number | null };
}

export interface RunAnswer {
  task: string;
  run: string;
  trigger: string;
  attempt: number;
  status: string;
  reason: string | null;
  summary: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  signal: string | null;
  pid: number | null;
  peakRssBytes: number;
  cpuSeconds: number;
  command: string[];
}

/** One task's outcome of run/stop/toggle/restart/rm, as the batch endpoints answer it. */
export interface ActionResult {
  id: string;
  ok: boolean;
  outcome?: string;
  run?: string;
  reason?: string;
  stopped?: number;
  enabled?: boolean;
  error?: { code: string; message: string };
}

export type TaskLogEntry = LogEntryAnswer & { source: { run?: string } };

export interface AddOptions {
  cron?: string;
  tz?: string;
  every?: number;
  maxTime?: number;
  retries?: number;
  retryDelay?: number;
  overlap?: string;
  cwd?: string;
  env?: string[];
  disabled?: boolean;
  shell?: boolean;
  interpreter?: string;
  description?: string;
}

interface LogsOptions {
  run?: string;
  follow?: boolean;
  level?: string;
  lines?: number;
}

const ACTIONS = ['run', 'stop', 'toggle', 'restart', 'rm'] as const;
type Action = (typeof ACTIONS)[number];
/** The batch endpoint of an action, where the server has one. */
const BATCH: Partial<Record<Action, string>> = { run: 'run', stop: 'stop', rm: 'delete' };
const OVERLAPS = ['skip', 'queue', 'replace', 'allow'];
const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];
const POLL_MS = 250;

const STATUS_STYLE: Record<string, Style> = {
  RUNNING: 'yellow',
  SUCCESS: 'green',
  FAILED: 'red',
  EXCEPTION: 'red',
  DISABLED: 'dim',
  IDLE: 'dim',
};

/** A commander parser for a number in [min, max]; `whole` refuses fractions. */
export function numberIn(min: number, max: number, whole = true) {
  return (value: string): number => {
    const n = Number(value);
    const shaped = whole ? /^\d+$/.test(value.trim()) : value.trim() !== '';
    if (!shaped || !Number.isFinite(n) || n < min || n > max)
      throw new InvalidArgumentError(
        `expected ${whole ? 'a whole number' : 'a number'} from ${min} to ${max}.`,
      );
    return n;
  };
}

function choice(values: readonly string[], upper = false) {
  return (value: string): string => {
    const v = upper ? value.toUpperCase() : value;
    if (!values.includes(v))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}.`);
    return v;
  };
}

const append = (value: string, previous: string[] = []): string[] => [...previous, value];
const taskPath = (id: string, tail = '') => `/api/tasks/${encodeURIComponent(id)}${tail}`;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `cron 0 3 * * * (Europe/Paris)`, `every 5 min`, `every 30 s` or `on demand`. */
export function scheduleText(
  task: Pick<TaskAnswer, 'cron' | 'timezone' | 'interval_minutes'>,
): string {
  if (task.cron !== undefined)
    return `cron ${task.cron}${task.timezone === undefined ? '' : ` (${task.timezone})`}`;
  const minutes = task.interval_minutes;
  if (minutes === undefined) return 'on demand';
  return minutes < 1 ? `every ${Math.round(minutes * 60)} s` : `every ${minutes} min`;
}

/** `340ms`, `1.2s`, `4m 10s`: runs are often shorter than the second formatDuration counts in. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  return formatDuration(ms / 1000);
}

/** `in 4m 10s`, `3m ago` or `now`, against an injected clock. */
export function relativeTime(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  if (Math.abs(ms) < 1000) return 'now';
  const span = formatDuration(Math.abs(ms) / 1000);
  return ms > 0 ? `in ${span}` : `${span} ago`;
}

/** `2024-05-01 14:03:04` in this machine's zone, which is where the reader is. */
export function localTime(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function paintStatus(out: Output, status: string): string {
  const style = STATUS_STYLE[status];
  return style === undefined ? status : out.paint(style, status);
}

/** `exit 4`, or the reason when there is no exit code (`timeout`, `killed`). */
function exitText(run: { exitCode: number | null; reason: string | null }): string {
  return run.exitCode === null ? (run.reason ?? '-') : `exit ${run.exitCode}`;
}

/** The `codedance tasks ls` table. */
export function formatTaskTable(out: Output, tasks: readonly TaskAnswer[], now: Date): string[] {
  const rows = tasks.map((t) => {
    const last = t.lastRun;
    return [
      t.id,
      paintStatus(out, t.status),
      scheduleText(t),
      t.nextRunAt === null ? '-' : relativeTime(t.nextRunAt, now),
      last === null
        ? '-'
        : `${paintStatus(out, last.status)} ${exitText(last)} ${formatMs(last.durationMs)}, ${relativeTime(last.finishedAt, now)}`,
      t.running === 0 && t.queued === 0
        ? '-'
        : `${t.running}${t.queued > 0 ? ` +${t.queued} queued` : ''}`,
    ];
  });
  return formatTable([['ID', 'STATUS', 'SCHEDULE', 'NEXT RUN', 'LAST RUN', 'RUNNING'], ...rows]);
}

/** A run history table, newest first as the server answers it. */
export function formatRunTable(out: Output, runs: readonly RunAnswer[]): string[] {
  const rows = runs.map((r) => [
    r.run,
    localTime(r.startedAt),
    r.attempt > 1 ? `${r.trigger} #${r.attempt}` : r.trigger,
    paintStatus(out, r.status),
    r.status === 'RUNNING' ? '-' : exitText(r),
    r.durationMs === null ? '-' : formatMs(r.durationMs),
    r.summary ?? '',
  ]);
  return formatTable([
    ['RUN', 'STARTED', 'TRIGGER', 'STATUS', 'EXIT', 'DURATION', 'SUMMARY'],
    ...rows,
  ]);
}

/** The command line a task runs, as a person would type it. */
export function commandText(task: Pick<TaskAnswer, 'script_path' | 'execute_path' | 'args'>) {
  const quote = (w: string) => (/^[\w./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
  const words = [...(task.execute_path === undefined ? [] : [task.execute_path]), task.script_path];
  return [...words, ...(task.args ?? [])].map(quote).join(' ');
}

/** `codedance tasks show`: the definition, the next fire times and the recent runs. */
export function formatTaskDetail(
  out: Output,
  task: TaskDetailAnswer,
  runs: readonly RunAnswer[],
  now: Date,
): string[] {
  const env = Object.keys(task.environment ?? {});
  const retries =
    task.retry_count === 0
      ? 'none'
      : `${task.retry_count} × ${task.retry_delay}s (${task.retry_backoff}, jitter ${task.retry_jitter})`;
  const stats = task.stats;
  const upcoming = task.enabled
    ? task.upcoming.map((t) => `${localTime(t)} (${relativeTime(t, now)})`)
    : [];
  const rows: string[][] = [
    ['command', `${commandText(task)}${task.shell ? out.paint('dim', '  (through /bin/sh)') : ''}`],
    ['cwd', task.cwd ?? out.paint('dim', "the server's working folder")],
    ['schedule', `${scheduleText(task)}${task.enabled ? '' : out.paint('dim', '  (disabled)')}`],
    [
      'timeout',
      task.timeout === undefined ? out.paint('dim', 'server default') : `${task.timeout}s`,
    ],
    ['retries', retries],
    ['overlap', `${task.overlap}, at most ${task.max_concurrent} at once, misfire ${task.misfire}`],
  ];
  if (env.length > 0) rows.push(['env', env.join(', ')]);
  if (task.description !== undefined) rows.push(['about', task.description]);
  if (stats !== undefined && stats.runs > 0) {
    const rate = Math.round((stats.successRate ?? 0) * 100);
    rows.push([
      'history',
      `${plural(stats.runs, 'run')}, ${rate}% succeeded, mean ${formatMs(stats.meanDurationMs ?? 0)}`,
    ]);
  }
  upcoming.forEach((time, i) => rows.push([i === 0 ? 'next runs' : '', time]));
  if (upcoming.length === 0) rows.push(['next runs', '-']);
  const running =
    task.running + task.queued === 0 ? '' : `  ${task.running} running, ${task.queued} queued`;
  const lines = [
    `${out.paint('bold', task.id)}  ${paintStatus(out, task.status)}${running}  ${out.paint('dim', `version ${task.version}`)}`,
    ...formatTable(rows, { indent: 2, gap: 3 }),
  ];
  lines.push('', runs.length === 0 ? 'No runs yet.' : `Last ${plural(runs.length, 'run')}`);
  if (runs.length > 0) lines.push(...formatRunTable(out, runs).map((l) => `  ${l}`));
  return lines;
}

/** Splits the words after `--` into the task's script, arguments and interpreter. */
export function splitCommand(
  words: readonly string[],
  interpreter?: string,
): { script_path: string; args?: string[]; execute_path?: string } {
  const [script, ...args] = words;
  if (script === undefined || script === '')
    throw new UsageError('give the command to run after --, e.g. -- ./backup.sh --full');
  return {
    script_path: script,
    ...(args.length === 0 ? {} : { args }),
    ...(interpreter === undefined ? {} : { execute_path: interpreter }),
  };
}

/** The task definition a `codedance tasks add` command line describes; the server judges it. */
export function taskFromFlags(
  id: string,
  words: readonly string[],
  options: AddOptions,
  cwd: string,
): Record<string, unknown> {
  const env = parseEnv(options.env ?? []);
  return {
    id,
    ...splitCommand(words, options.interpreter),
    // The command was typed here, so relative paths in it mean this folder.
    cwd: resolve(cwd, options.cwd ?? '.'),
    ...(Object.keys(env).length === 0 ? {} : { environment: env }),
    ...(options.cron === undefined ? {} : { cron: options.cron }),
    ...(options.tz === undefined ? {} : { timezone: options.tz }),
    ...(options.every === undefined ? {} : { interval_minutes: options.every }),
    ...(options.maxTime === undefined ? {} : { timeout: options.maxTime }),
    ...(options.retries === undefined ? {} : { retry_count: options.retries }),
    ...(options.retryDelay === undefined ? {} : { retry_delay: options.retryDelay }),
    ...(options.overlap === undefined ? {} : { overlap: options.overlap }),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.disabled === true ? { enabled: false } : {}),
    ...(options.shell === true ? { shell: true } : {}),
  };
}

/** One ✓/!/✗ line per task of run/stop/toggle/restart/rm. */
export function formatResult(out: Output, action: Action, r: ActionResult): string {
  if (!r.ok) {
    const error = r.error ?? { code: 'CD_CLI_ERROR', message: 'failed' };
    return `${out.mark('fail')} ${r.id}: ${error.message} (${error.code})`;
  }
  if (action === 'run' || action === 'restart') {
    if (r.outcome === 'started') return `${out.mark('pass')} ${r.id} started run ${r.run ?? '?'}`;
    const mark = r.outcome === 'skipped' ? 'warn' : 'pass';
    return `${out.mark(mark)} ${r.id} ${r.outcome ?? 'triggered'}: ${r.reason ?? ''}`.trimEnd();
  }
  if (action === 'stop') {
    const n = r.stopped ?? 0;
    return `${out.mark('pass')} ${r.id} stopped${n === 0 ? ' (nothing was running)' : ` ${plural(n, 'run')}`}`;
  }
  if (action === 'toggle')
    return `${out.mark('pass')} ${r.id} ${r.enabled === true ? 'enabled' : 'disabled'}`;
  return `${out.mark('pass')} ${r.id} deleted`;
}

/** `12:03:04.120 lx9k2-ab12 line`; stderr in red, Codedance's own lines dimmed. */
export function formatTaskLogLine(out: Output, entry: TaskLogEntry): string {
  const text = entry.stream === 'system' ? `[${entry.level}] ${entry.line}` : entry.line;
  const style: Style | null =
    entry.stream === 'stderr' ? 'red' : entry.stream === 'system' ? 'dim' : null;
  return `${out.paint('dim', `${entry.time.slice(11, 23)} ${entry.source.run ?? '-'}`)} ${style === null ? text : out.paint(style, text)}`;
}

function printEntry(ctx: CommandContext, entry: TaskLogEntry): void {
  if (ctx.out.json) ctx.out.event(entry);
  else ctx.out.line(formatTaskLogLine(ctx.out, entry));
}

async function runList(ctx: CommandContext): Promise<ExitCode> {
  const { tasks } = await ctx.client().get<{ tasks: TaskAnswer[] }>('/api/tasks');
  if (ctx.out.json) ctx.out.data(tasks);
  else if (tasks.length === 0)
    ctx.out.line('no tasks yet; add one with: codedance tasks add <id> --every 10 -- <command>');
  else ctx.out.lines(formatTaskTable(ctx.out, tasks, new Date()));
  return EXIT_CODES.SUCCESS;
}

async function runShow(ctx: CommandContext, call: Invocation<object>): Promise<ExitCode> {
  const [id = ''] = call.args;
  const client = ctx.client();
  const task = await client.get<TaskDetailAnswer>(taskPath(id));
  const { items } = await client.get<{ items: RunAnswer[] }>(taskPath(id, '/runs?limit=10'));
  if (ctx.out.json) ctx.out.data({ ...task, runs: items });
  else ctx.out.lines(formatTaskDetail(ctx.out, task, items, new Date()));
  return EXIT_CODES.SUCCESS;
}

async function runAdd(
  ctx: CommandContext,
  call: Invocation<AddOptions>,
  operands: readonly string[],
): Promise<ExitCode> {
  const [id = '', ...words] = operands;
  const body = taskFromFlags(id, words, call.options, ctx.io.cwd);
  const view = await ctx.client().post<TaskAnswer>('/api/tasks', body);
  const { out } = ctx;
  if (out.json) {
    out.data(view);
    return EXIT_CODES.SUCCESS;
  }
  out.line(`${out.mark('pass')} added ${out.paint('bold', view.id)}: ${commandText(view)}`);
  out.line(
    `  ${scheduleText(view)}${view.nextRunAt === null ? '' : `, next run ${relativeTime(view.nextRunAt, new Date())}`}${view.enabled ? '' : ' (disabled)'}`,
  );
  out.line(out.paint('dim', `  run it now: codedance tasks run ${view.id} --wait`));
  return EXIT_CODES.SUCCESS;
}

/** One task through its own endpoint; API refusals become a failed result, not an exception. */
async function actOnOne(ctx: CommandContext, action: Action, id: string): Promise<ActionResult> {
  const client = ctx.client();
  try {
    if (action === 'rm') {
      const { results } = await client.post<{ results: ActionResult[] }>(
        '/api/tasks/batch/delete',
        { ids: [id] },
      );
      return results[0] ?? { id, ok: false };
    }
    const answer = await client.post<Partial<ActionResult>>(taskPath(id, `/${action}`), {});
    return { ...answer, id, ok: true };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { id, ok: false, error: { code: error.code, message: error.message } };
  }
}

async function act(ctx: CommandContext, action: Action, ids: readonly string[]): Promise<ExitCode> {
  const batch = BATCH[action];
  let results: ActionResult[];
  if (ids.length > 1 && batch !== undefined) {
    ({ results } = await ctx
      .client()
      .post<{ results: ActionResult[] }>(`/api/tasks/batch/${batch}`, { ids }));
  } else {
    results = [];
    for (const id of ids) results.push(await actOnOne(ctx, action, id));
  }
  if (ctx.out.json) ctx.out.data({ results });
  else ctx.out.lines(results.map((r) => formatResult(ctx.out, action, r)));
  return results.every((r) => r.ok) ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

/**
 * Prints the run's lines newer than `after` and returns the newest seq seen.
 * The log answers newest first, so it pages back only until it meets `after`.
 */
async function printNewLines(
  ctx: CommandContext,
  id: string,
  run: string,
  after: number,
): Promise<number> {
  if (ctx.out.json) return after;
  const fresh: TaskLogEntry[] = [];
  let before: number | null = null;
  do {
    const query = new URLSearchParams({ task: id, run, limit: '500' });
    if (before !== null) query.set('before', String(before));
    const page = await ctx
      .client()
      .get<{ entries: TaskLogEntry[]; nextBefore: number | null }>(`/api/logs?${query.toString()}`);
    const newer = page.entries.filter((e) => e.seq > after);
    fresh.push(...newer);
    before = newer.length === page.entries.length ? page.nextBefore : null;
  } while (before !== null);
  for (const entry of fresh.reverse()) printEntry(ctx, entry);
  return fresh.at(-1)?.seq ?? after;
}

/** The newest run id of a task, to recognise the run a queued trigger starts later. */
async function newestRun(ctx: CommandContext, id: string): Promise<string | null> {
  const { items } = await ctx.client().get<{ items: RunAnswer[] }>(taskPath(id, '/runs?limit=1'));
  return items[0]?.run ?? null;
}

/**
 * Triggers one run and polls it (and its log lines) until it ends or the
 * deadline passes. Polling rather than the live stream: the final read of
 * the log after the run has ended is then certain to hold every line.
 */
async function runAndWait(
  ctx: CommandContext,
  id: string,
  waitSeconds: number | undefined,
): Promise<ExitCode> {
  const { out } = ctx;
  const client = ctx.client();
  const task = await client.get<TaskAnswer>(taskPath(id));
  const limit = waitSeconds ?? (task.timeout === undefined ? 3600 : task.timeout + 60);
  const deadline = Date.now() + limit * 1000;
  const before = await newestRun(ctx, id);
  const result = await actOnOne(ctx, 'run', id);
  if (!out.json) out.line(formatResult(out, 'run', result));
  if (!result.ok || result.outcome === 'skipped') {
    if (out.json) out.data({ results: [result] });
    return EXIT_CODES.FAILURE;
  }
  let run = result.run;
  while (run === undefined && Date.now() < deadline) {
    await delay(POLL_MS);
    const newest = await newestRun(ctx, id);
    if (newest !== null && newest !== before) run = newest;
  }
  let seq = 0;
  let record: RunAnswer | null = null;
  while (run !== undefined) {
    record = await client.get<RunAnswer>(taskPath(id, `/runs/${encodeURIComponent(run)}`));
    seq = await printNewLines(ctx, id, run, seq);
    if (record.status !== 'RUNNING' || Date.now() >= deadline) break;
    await delay(POLL_MS);
  }
  if (record === null || record.status === 'RUNNING') {
    const what = record === null ? 'did not start' : `is still running (run ${record.run})`;
    out.error(`error: ${id} ${what} after ${limit}s; see: codedance tasks runs ${id}`);
    if (out.json) out.data(record ?? { results: [result] });
    return EXIT_CODES.FAILURE;
  }
  const ok = record.status === 'SUCCESS';
  if (out.json) out.data(record);
  else
    out.line(
      `${out.tick(ok)} ${id} run ${record.run} ${paintStatus(out, record.status)}: ${record.summary ?? exitText(record)}${record.durationMs === null ? '' : ` (${formatMs(record.durationMs)})`}`,
    );
  return ok ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

async function runRuns(
  ctx: CommandContext,
  call: Invocation<{ limit?: number }>,
): Promise<ExitCode> {
  const [id = ''] = call.args;
  const limit = call.options.limit ?? 20;
  const { items } = await ctx
    .client()
    .get<{ items: RunAnswer[] }>(taskPath(id, `/runs?limit=${limit}`));
  if (ctx.out.json) ctx.out.data(items);
  else if (items.length === 0)
    ctx.out.line(`no runs of ${id} yet; start one: codedance tasks run ${id}`);
  else ctx.out.lines(formatRunTable(ctx.out, items));
  return EXIT_CODES.SUCCESS;
}

async function runLogs(
  ctx: CommandContext,
  call: Invocation<LogsOptions>,
  globals: GlobalOptions,
): Promise<ExitCode> {
  const [id = ''] = call.args;
  const { options } = call;
  const lines = options.lines ?? 50;
  // Asked first so an unknown task is refused (404) instead of printing nothing.
  await ctx.client().get<TaskAnswer>(taskPath(id));
  const filter = new URLSearchParams({ kind: 'task', id });
  if (options.run !== undefined) filter.set('run', options.run);
  if (options.level !== undefined) filter.set('level', options.level);
  const query = new URLSearchParams({ task: id, limit: String(Math.max(1, lines)) });
  if (options.run !== undefined) query.set('run', options.run);
  if (options.level !== undefined) query.set('level', options.level);
  const { entries } = await ctx
    .client()
    .get<{ entries: TaskLogEntry[] }>(`/api/logs?${query.toString()}`);
  if (lines > 0) for (const entry of [...entries].reverse()) printEntry(ctx, entry);
  if (options.follow !== true) return EXIT_CODES.SUCCESS;
  // Follow from the newest line anywhere, so lines written between the two requests are not lost.
  const since =
    entries[0]?.seq ??
    (await ctx.client().get<{ entries: TaskLogEntry[] }>('/api/logs?limit=1')).entries[0]?.seq ??
    0;
  await followLogs(ctx, filter, resolveToken(globals.token, ctx.io.env), since, (entry) => {
    printEntry(ctx, entry);
  });
  return EXIT_CODES.SUCCESS;
}

/**
 * Streams `/ws/logs` entries matching `filter` (the server filters) until
 * Ctrl-C, reconnecting after the last seq seen so no line is lost or repeated.
 */
export function followLogs(
  ctx: CommandContext,
  filter: URLSearchParams,
  token: string | undefined,
  since: number,
  onEntry: (entry: TaskLogEntry) => void,
): Promise<void> {
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
      const query = new URLSearchParams(filter);
      query.set('since', String(lastSeq));
      const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
      const ws = new WebSocket(`${ctx.url().replace(/^http/, 'ws')}/ws/logs?${query.toString()}`, {
        headers,
      });
      socket = ws;
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString('utf8')) as
          | { type: 'entry'; entry: TaskLogEntry }
          | { type: 'dropped'; count: number }
          | { type: 'ready' | 'error' };
        if (message.type === 'ready') delayMs = 250;
        else if (message.type === 'dropped')
          ctx.out.error(`(${message.count} lines were not delivered in time; they are in the log)`);
        else if (message.type === 'entry' && message.entry.seq > lastSeq) {
          lastSeq = message.entry.seq;
          onEntry(message.entry);
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

const ADD_HELP = `
The first word after -- is the script or program (script_path), the rest its arguments. With
--interpreter the interpreter runs the script (execute_path). The working folder defaults to the
current one. Without --cron or --every the task runs only on demand. --max-time is the task's
timeout (--timeout belongs to every command: how long to wait for the server's answer).

Examples:
  $ codedance tasks add backup --cron "0 3 * * *" --tz Europe/Paris -- ./backup.sh --full
  $ codedance tasks add sync --every 15 --max-time 600 --retries 3 -- node sync.js
  $ codedance tasks add report --interpreter python3 --env DB=prod -- report.py
  $ codedance tasks add cleanup --shell -- "rm -rf /tmp/cache/* && echo done"`;

export function registerTasks(program: Command, wrap: Wrap): void {
  const globals = () => program.opts<GlobalOptions>();
  const tasks = program
    .command('tasks')
    .alias('task')
    .description('Scheduled and on-demand tasks: list, add, run, follow, remove')
    .addHelpText(
      'after',
      `
Examples:
  $ codedance tasks ls
  $ codedance tasks add nightly --cron "0 2 * * *" -- ./nightly.sh
  $ codedance tasks run nightly --wait
  $ codedance tasks logs nightly -f`,
    );
  tasks
    .command('ls')
    .alias('list')
    .description('List tasks: status, schedule, next run, last run, runs in flight')
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks ls\n  $ codedance tasks ls --json | jq ".[].id"',
    )
    .action(wrap(runList));
  tasks
    .command('show')
    .description('One task: its definition, status, next fire times and last 10 runs')
    .argument('<id>')
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks show backup\n  $ codedance tasks show backup --json | jq .runs',
    )
    .action(wrap(runShow));
  const add = tasks
    .command('add')
    .description('Define a task')
    .argument('<id>', 'task id: letters, digits, . _ -')
    .argument('[command...]', 'the command and its arguments, after --')
    .option('--cron <expr>', 'cron schedule, 5 fields (or 6 with seconds first)')
    .option(
      '--tz <zone>',
      "time zone of the cron schedule, e.g. Europe/Paris (default: the server's)",
    )
    .option('--every <minutes>', 'run every N minutes', numberIn(1 / 60, 525_600, false))
    // Not --timeout: the root command owns that flag (seconds to wait for each answer).
    .option(
      '--max-time <seconds>',
      'stop a run that takes longer (default: the server setting)',
      numberIn(1, 2_147_483),
    )
    .option('--retries <n>', 'retry a failed run this many times', numberIn(0, 100))
    .option(
      '--retry-delay <seconds>',
      'seconds before a retry (default 60)',
      numberIn(0, 86_400, false),
    )
    .option(
      '--overlap <policy>',
      'when the previous run is still going: skip | queue | replace | allow',
      choice(OVERLAPS),
    )
    .option('--interpreter <program>', 'run the script with this program, e.g. python3')
    .option('--cwd <dir>', 'working folder (default: the current one)')
    .option('--env <NAME=value>', 'an environment variable (repeat for more)', append)
    .option('--description <text>', 'what the task is for')
    .option('--disabled', 'define it without scheduling it yet')
    .option('--shell', 'run the command line through /bin/sh')
    .addHelpText('after', ADD_HELP);
  add.action(wrap<AddOptions>((ctx, call) => runAdd(ctx, call, add.args)));

  const verbs: Record<Action, string> = {
    run: 'Run tasks now (several ids: one request, one line per task)',
    stop: 'Stop every run of the tasks (SIGTERM, then SIGKILL)',
    toggle: 'Enable or disable the schedule of the tasks',
    restart: 'Stop the running runs of the tasks and run them again',
    rm: 'Stop and delete the tasks and their run history',
  };
  for (const action of ACTIONS) {
    const command = tasks
      .command(action)
      .description(verbs[action])
      .argument('<ids...>', 'task ids');
    if (action === 'rm') command.alias('delete');
    if (action === 'run') {
      command
        .option('--wait', 'wait for the run to end, printing its log; exit 0 only on SUCCESS')
        .option(
          '--wait-timeout <seconds>',
          "give up waiting after this long (default: the task's timeout + 60 s, or 1 h)",
          numberIn(1, 2_147_483),
        );
    }
    command.addHelpText(
      'after',
      `
Exits 1 when any task failed (each gets a ✓/✗ line).${action === 'run' ? ' --wait follows one run to its end and exits by\nits outcome; a retry the task makes later is another run.' : ''}

Examples:
  $ codedance tasks ${action} backup
  $ codedance tasks ${action} backup sync report${action === 'run' ? '\n  $ codedance tasks run backup --wait        exits 0 on SUCCESS, 1 otherwise' : ''}`,
    );
    command.action(
      wrap<{ wait?: boolean; waitTimeout?: number }>((ctx, call) => {
        const ids = command.args;
        if (call.options.wait !== true) return act(ctx, action, ids);
        const [id] = ids;
        if (id === undefined || ids.length > 1)
          throw new UsageError('--wait follows one run: give one task id');
        return runAndWait(ctx, id, call.options.waitTimeout);
      }),
    );
  }

  tasks
    .command('runs')
    .description("A task's run history, newest first")
    .argument('<id>')
    .option('-n, --limit <n>', 'how many runs (default 20)', numberIn(1, 1000))
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks runs backup\n  $ codedance tasks runs backup --limit 100 --json | jq "map(.durationMs)"',
    )
    .action(wrap(runRuns));
  tasks
    .command('logs')
    .description("A task's log lines; -f follows new ones until Ctrl-C")
    .argument('<id>')
    .option('--run <run>', 'only this run')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many recent lines (default 50)', numberIn(0, 5000))
    .option(
      '--level <level>',
      'at least this level: DEBUG, INFO, WARNING, ERROR',
      choice(LEVELS, true),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks logs backup\n  $ codedance tasks logs backup --run lx1k2m3n4-ab12cd --level ERROR\n  $ codedance tasks logs backup -f',
    )
    .action(wrap<LogsOptions>((ctx, call) => runLogs(ctx, call, globals())));
}
