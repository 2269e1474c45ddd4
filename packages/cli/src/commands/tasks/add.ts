import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext, Invocation, Wrap } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../failure.js';
import { append, choice, numberIn, parseWorkloadEnv } from '../option-values.js';
import { commandText, relativeTime, scheduleText } from './format.js';

export interface AddOptions {
  secretEnv?: string[];
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

const OVERLAPS = ['skip', 'queue', 'replace', 'allow'];

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
  const env = parseWorkloadEnv(options.env ?? [], options.secretEnv ?? []);
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

async function runAdd(
  ctx: CommandContext,
  call: Invocation<AddOptions>,
  operands: readonly string[],
): Promise<ExitCode> {
  const [id = '', ...words] = operands;
  const body = taskFromFlags(id, words, call.options, ctx.io.cwd);
  const view = await ctx.client().tasks.create(body);
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

/** `codedance tasks add`. */
export function registerAdd(tasks: Command, wrap: Wrap): void {
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
    .option(
      '--secret-env <NAME=value>',
      'a secret variable: never shown again, masked in logs (repeat for more)',
      append,
    )
    .option('--description <text>', 'what the task is for')
    .option('--disabled', 'define it without scheduling it yet')
    .option('--shell', 'run the command line through /bin/sh')
    .addHelpText('after', ADD_HELP);
  add.action(wrap<AddOptions>((ctx, call) => runAdd(ctx, call, add.args)));
}
