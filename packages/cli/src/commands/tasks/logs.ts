import type { Command } from 'commander';
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
import { taskPath, type TaskAnswer, type TaskLogEntry } from './answers.js';
import { formatTaskLogLine } from './format.js';

interface LogsOptions {
  run?: string;
  follow?: boolean;
  level?: string;
  lines?: number;
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
  const print = (entry: TaskLogEntry): void => {
    printLogEntry(ctx, entry, formatTaskLogLine);
  };
  if (lines > 0) [...entries].reverse().forEach(print);
  if (options.follow !== true) return EXIT_CODES.SUCCESS;
  // Follow from the newest line anywhere, so lines written between the two requests are not lost.
  const since =
    entries[0]?.seq ??
    (await ctx.client().get<{ entries: TaskLogEntry[] }>('/api/logs?limit=1')).entries[0]?.seq ??
    0;
  await followLogs(ctx, {
    filter,
    token: resolveToken(globals.token, ctx.io.env),
    since,
    droppedHint: 'they are in the log',
    onEntry: print,
  });
  return EXIT_CODES.SUCCESS;
}

/** `codedance tasks logs`. */
export function registerLogs(tasks: Command, wrap: Wrap, globals: () => GlobalOptions): void {
  tasks
    .command('logs')
    .description("A task's log lines; -f follows new ones until Ctrl-C")
    .argument('<id>')
    .option('--run <run>', 'only this run')
    .option('-f, --follow', 'keep printing new lines')
    .option('-n, --lines <n>', 'how many recent lines (default 50)', numberIn(0, 5000))
    .option('--level <level>', 'at least this level: DEBUG, INFO, WARNING, ERROR', logLevel)
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks logs backup\n  $ codedance tasks logs backup --run lx1k2m3n4-ab12cd --level ERROR\n  $ codedance tasks logs backup -f',
    )
    .action(wrap<LogsOptions>((ctx, call) => runLogs(ctx, call, globals())));
}
