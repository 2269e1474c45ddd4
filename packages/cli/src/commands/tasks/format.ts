import { formatDuration, formatTable, type Output, type Style } from '../../output.js';
import { paintLogText } from '../log-lines.js';
import type { Action, ActionResult } from './answers.js';
import type { LogEntry, Task, TaskDetail, TaskRun } from '@codedance/api';

const STATUS_STYLE: Record<string, Style> = {
  RUNNING: 'yellow',
  SUCCESS: 'green',
  FAILED: 'red',
  EXCEPTION: 'red',
  DISABLED: 'dim',
  IDLE: 'dim',
};

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** `cron 0 3 * * * (Europe/Paris)`, `every 5 min`, `every 30 s` or `on demand`. */
export function scheduleText(task: Pick<Task, 'cron' | 'timezone' | 'interval_minutes'>): string {
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
export function formatTaskTable(out: Output, tasks: readonly Task[], now: Date): string[] {
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
export function formatRunTable(out: Output, runs: readonly TaskRun[]): string[] {
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
export function commandText(task: Pick<Task, 'script_path' | 'execute_path' | 'args'>) {
  const quote = (w: string) => (/^[\w./:=@%+,-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
  const words = [...(task.execute_path === undefined ? [] : [task.execute_path]), task.script_path];
  return [...words, ...(task.args ?? [])].map(quote).join(' ');
}

/** `codedance tasks show`: the definition, the next fire times and the recent runs. */
export function formatTaskDetail(
  out: Output,
  // Servers older than the run statistics answer without `stats`.
  task: Omit<TaskDetail, 'stats'> & { stats?: TaskDetail['stats'] },
  runs: readonly TaskRun[],
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
export function formatTaskLogLine(out: Output, entry: LogEntry): string {
  return `${out.paint('dim', `${entry.time.slice(11, 23)} ${entry.source.run ?? '-'}`)} ${paintLogText(out, entry)}`;
}

/** The last line of `codedance tasks run --wait`: how the run ended. */
export function formatRunOutcome(out: Output, id: string, record: TaskRun): string {
  const ok = record.status === 'SUCCESS';
  return `${out.tick(ok)} ${id} run ${record.run} ${paintStatus(out, record.status)}: ${record.summary ?? exitText(record)}${record.durationMs === null ? '' : ` (${formatMs(record.durationMs)})`}`;
}
