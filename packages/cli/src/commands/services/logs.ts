import type { Command } from 'commander';
import type { LogEntryAnswer } from '../../api.js';
import {
  resolveToken,
  type CommandContext,
  type GlobalOptions,
  type Invocation,
  type Wrap,
} from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { followLogs } from '../../log-follow.js';
import { printLogEntry } from '../log-lines.js';
import { logLevel, numberIn } from '../option-values.js';
import { servicePath } from './answers.js';
import { formatLogLine } from './format.js';

interface LogsOptions {
  follow?: boolean;
  lines?: number;
  instance?: number;
  level?: string;
}

const LEVEL_RANK: Record<string, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/** Whether a followed entry is one the command line asked for. */
function wanted(name: string, options: LogsOptions): (entry: LogEntryAnswer) => boolean {
  const minLevel = LEVEL_RANK[options.level ?? 'DEBUG'] ?? 0;
  return (entry) =>
    entry.source.id === name &&
    (options.instance === undefined || entry.source.instance === options.instance) &&
    (LEVEL_RANK[entry.level] ?? 0) >= minLevel;
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
  const print = (entry: LogEntryAnswer): void => {
    printLogEntry(ctx, entry, formatLogLine);
  };
  if (lines > 0) [...answer.entries].reverse().forEach(print);
  if (options.follow !== true) return EXIT_CODES.SUCCESS;
  const filter = new URLSearchParams({ kind: 'service', id: name });
  if (options.instance !== undefined) filter.set('instance', String(options.instance));
  if (options.level !== undefined) filter.set('level', options.level);
  const accept = wanted(name, options);
  await followLogs(ctx, {
    filter,
    token: resolveToken(globals.token, ctx.io.env),
    // Entries come newest first; following resumes right after the newest, printed or not.
    since: answer.entries[0]?.seq ?? null,
    droppedHint: `see codedance logs ${name} --lines N`,
    onEntry: (entry) => {
      if (accept(entry)) print(entry);
    },
  });
  return EXIT_CODES.SUCCESS;
}

/** `codedance logs`. */
export function registerLogs(program: Command, wrap: Wrap, globals: () => GlobalOptions): void {
  program
    .command('logs')
    .description("Show a service's log lines; -f follows new ones until Ctrl-C")
    .argument('<name>')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many recent lines (default 50)', numberIn(0, 5000))
    .option('--instance <i>', 'only this instance', numberIn(0, 63))
    .option('--level <level>', 'at least this level: DEBUG, INFO, WARNING, ERROR', logLevel)
    .action(wrap<LogsOptions>((ctx, call) => runLogs(ctx, call, globals())));
}
