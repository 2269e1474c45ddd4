import type { Command } from 'commander';
import type { LogEntry } from '@codedance/api';
import { type CommandContext, type GlobalOptions } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { UsageError } from '../failure.js';
import { followLogs } from '../log-follow.js';
import type { Output, Style } from '../output.js';
import { logLevel, numberIn } from './option-values.js';

/** A log line's text: stderr in red, Codedance's own lines dimmed and with their level. */
export function paintLogText(out: Output, entry: LogEntry): string {
  const text = entry.stream === 'system' ? `[${entry.level}] ${entry.line}` : entry.line;
  const style: Style | null =
    entry.stream === 'stderr' ? 'red' : entry.stream === 'system' ? 'dim' : null;
  return style === null ? text : out.paint(style, text);
}

/** Prints one entry: a JSON line with --json, else the line `format` makes of it. */
export function printLogEntry<E extends LogEntry>(
  ctx: CommandContext,
  entry: E,
  format: (out: Output, entry: E) => string,
): void {
  if (ctx.out.json) ctx.out.event(entry);
  else ctx.out.line(format(ctx.out, entry));
}

/**
 * `--raw`: the workload's own output exactly as it wrote it, as `pm2 logs
 * --raw` prints it: no time, name, level or colour, its stderr lines on
 * stderr; Codedance's own lines ("started pid …") are not the workload's and
 * are left out.
 */
export function printRawEntry(ctx: CommandContext, entry: LogEntry): void {
  if (entry.stream === 'system') return;
  (entry.stream === 'stderr' ? ctx.io.stderr : ctx.io.stdout).write(`${entry.line}\n`);
}

/** The options every `logs` command shares. */
export interface LogLinesOptions {
  follow?: boolean;
  lines?: number;
  level?: string;
  raw?: boolean;
}

/** What one `logs` command reads, and how it prints and follows it. */
export interface LogSource<E extends LogEntry> {
  /** The most recent `limit` entries, newest first. */
  recent: (limit: number) => Promise<E[]>;
  format: (out: Output, entry: E) => string;
  /** The `/ws/logs` filter used with -f. */
  filter: URLSearchParams;
  /** Where -f resumes, given the recent entries (newest first). */
  since: (recent: E[]) => number | null | Promise<number | null>;
  droppedHint: string;
  /** Which followed entries to print; all of them when absent. */
  accept?: (entry: E) => boolean;
}

/** Prints the last `--lines` entries (default 50), then with -f follows new ones until Ctrl-C. */
export async function showLogLines<E extends LogEntry>(
  ctx: CommandContext,
  options: LogLinesOptions,
  globals: GlobalOptions,
  source: LogSource<E>,
): Promise<ExitCode> {
  if (options.raw === true && ctx.out.json) throw new UsageError('choose --raw or --json');
  const lines = options.lines ?? 50;
  // Asked even for --lines 0, so an unknown name is refused before following.
  const entries = await source.recent(Math.max(1, lines));
  const print = (entry: E): void => {
    if (options.raw === true) printRawEntry(ctx, entry);
    else printLogEntry(ctx, entry, source.format);
  };
  if (lines > 0) [...entries].reverse().forEach(print);
  if (options.follow !== true) return EXIT_CODES.SUCCESS;
  const { accept } = source;
  await followLogs<E>(ctx, {
    filter: source.filter,
    token: ctx.token(),
    since: await source.since(entries),
    droppedHint: source.droppedHint,
    onEntry: (entry) => {
      if (accept === undefined || accept(entry)) print(entry);
    },
  });
  return EXIT_CODES.SUCCESS;
}

/** Adds -f, -n and --level; `own` adds the command's other options between -n and --level. */
export function addLogLinesOptions(
  command: Command,
  own: (command: Command) => Command = (c) => c,
): Command {
  return own(
    command
      .option('-f, --follow', 'keep printing new lines')
      .option('-n, --lines <n>', 'how many recent lines (default 50)', numberIn(0, 5000)),
  )
    .option('--level <level>', 'at least this level: DEBUG, INFO, WARNING, ERROR', logLevel)
    .option(
      '--raw',
      "only the workload's own lines, exactly as written: no time, name, level or colour (stderr lines on stderr)",
    );
}
