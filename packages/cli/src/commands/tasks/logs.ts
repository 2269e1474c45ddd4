import type { Command } from 'commander';
import type { CommandContext, GlobalOptions, Invocation, Wrap } from '../../context.js';
import type { ExitCode } from '../../exit-codes.js';
import { addLogLinesOptions, showLogLines, type LogLinesOptions } from '../log-lines.js';
import { formatTaskLogLine } from './format.js';

interface LogsOptions extends LogLinesOptions {
  run?: string;
}

/** The `run` and `level` filters, as query parameters added to `params`. */
function narrowed(params: Record<string, string>, options: LogsOptions): URLSearchParams {
  const query = new URLSearchParams(params);
  if (options.run !== undefined) query.set('run', options.run);
  if (options.level !== undefined) query.set('level', options.level);
  return query;
}

async function runLogs(
  ctx: CommandContext,
  call: Invocation<LogsOptions>,
  globals: GlobalOptions,
): Promise<ExitCode> {
  const [id = ''] = call.args;
  const { options } = call;
  const client = ctx.client();
  // Asked first so an unknown task is refused (404) instead of printing nothing.
  await client.tasks.get(id);
  return showLogLines(ctx, options, globals, {
    recent: async (limit) => {
      const query = narrowed({ task: id, limit: String(limit) }, options);
      return (await client.logs.query(Object.fromEntries(query))).entries;
    },
    format: formatTaskLogLine,
    filter: narrowed({ kind: 'task', id }, options),
    // Follow from the newest line anywhere, so lines written between the two requests are not lost.
    since: async (recent) =>
      recent[0]?.seq ?? (await client.logs.query({ limit: 1 })).entries[0]?.seq ?? 0,
    droppedHint: 'they are in the log',
  });
}

/** `codedance tasks logs`. */
export function registerLogs(tasks: Command, wrap: Wrap, globals: () => GlobalOptions): void {
  const logs = tasks
    .command('logs')
    .description("A task's log lines; -f follows new ones until Ctrl-C")
    .argument('<id>')
    .option('--run <run>', 'only this run');
  addLogLinesOptions(logs)
    .addHelpText(
      'after',
      '\nExamples:\n  $ codedance tasks logs backup\n  $ codedance tasks logs backup --run lx1k2m3n4-ab12cd --level ERROR\n  $ codedance tasks logs backup -f',
    )
    .action(wrap<LogsOptions>((ctx, call) => runLogs(ctx, call, globals())));
}
