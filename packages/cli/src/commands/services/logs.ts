import type { Command } from 'commander';
import type { LogEntry, ServiceLogsQuery } from '@codedance/api';
import { ApiError } from '../../client.js';
import type { CommandContext, GlobalOptions, Invocation, Wrap } from '../../context.js';
import type { ExitCode } from '../../exit-codes.js';
import { addLogLinesOptions, showLogLines, type LogLinesOptions } from '../log-lines.js';
import { numberIn } from '../option-values.js';
import { formatLogLine } from './format.js';

interface LogsOptions extends LogLinesOptions {
  instance?: number;
}

const LEVEL_RANK: Record<string, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/** Whether a followed entry is one the command line asked for. */
function wanted(name: string, options: LogsOptions): (entry: LogEntry) => boolean {
  const minLevel = LEVEL_RANK[options.level ?? 'DEBUG'] ?? 0;
  return (entry) =>
    entry.source.id === name &&
    (options.instance === undefined || entry.source.instance === options.instance) &&
    (LEVEL_RANK[entry.level] ?? 0) >= minLevel;
}

/** The `instance` and `level` filters, as query parameters added to `params`. */
function narrowed(params: Record<string, string>, options: LogsOptions): URLSearchParams {
  const query = new URLSearchParams(params);
  if (options.instance !== undefined) query.set('instance', String(options.instance));
  if (options.level !== undefined) query.set('level', options.level);
  return query;
}

function runLogs(
  ctx: CommandContext,
  call: Invocation<LogsOptions>,
  globals: GlobalOptions,
): Promise<ExitCode> {
  const [name = ''] = call.args;
  const { options } = call;
  const client = ctx.client();
  /** With -f for a service not there yet: the newest seq of any workload before it was looked for. */
  let anchor: number | null = null;
  return showLogLines(ctx, options, globals, {
    recent: async (limit) => {
      const newest =
        options.follow === true
          ? ((await client.logs.query({ limit: 1 })).entries[0]?.seq ?? 0)
          : 0;
      const query = Object.fromEntries(narrowed({ limit: String(limit) }, options));
      const answer = await client.services
        .logs(name, query as ServiceLogsQuery)
        .catch((error: unknown) => {
          // Following a service that is not there yet waits for it, as tail -F waits for a file.
          if (options.follow !== true || !(error instanceof ApiError) || error.status !== 404)
            throw error;
          anchor = newest;
          ctx.out.error(
            `service '${name}' does not exist yet; waiting for it to appear, then following it (Ctrl-C to stop)`,
          );
          return { entries: [] };
        });
      return answer.entries;
    },
    format: formatLogLine,
    filter: narrowed({ kind: 'service', id: name }, options),
    // Entries come newest first; following resumes right after the newest, printed or not. A
    // service not there yet writes every line after the anchor, so none of its first is lost.
    since: (recent) => anchor ?? recent[0]?.seq ?? null,
    droppedHint: `see codedance logs ${name} --lines N`,
    accept: wanted(name, options),
  });
}

/** `codedance logs`. */
export function registerLogs(program: Command, wrap: Wrap, globals: () => GlobalOptions): void {
  const logs = program
    .command('logs')
    .description(
      "Show a service's log lines; -f follows new ones until Ctrl-C (and waits for a service not there yet)",
    )
    .argument('<name>');
  addLogLinesOptions(logs, (c) =>
    c.option('--instance <i>', 'only this instance', numberIn(0, 63)),
  ).action(wrap<LogsOptions>((ctx, call) => runLogs(ctx, call, globals())));
}
