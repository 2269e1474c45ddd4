import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../../client.js';
import type { CommandContext, Invocation, Wrap } from '../../context.js';
import type { ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../failure.js';
import { append, choice, numberIn, parseWorkloadEnv, positive } from '../option-values.js';
import type { Service } from '@codedance/api';
import { readinessWait, report, settle } from './wait.js';

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
  secretEnv?: string[];
  shell?: boolean;
  wait?: boolean;
}

const RESTART_POLICIES = ['always', 'on-failure', 'never'];

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
    env: parseWorkloadEnv(options.env ?? [], options.secretEnv ?? []),
    ...(options.shell === true ? { shell: true } : {}),
    ...(options.instances === undefined ? {} : { instances: options.instances }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.restart === undefined ? {} : { restart: options.restart }),
    ...(checks[0] ? { readiness: checks[0] } : {}),
    ...(options.maxMemory === undefined ? {} : { max_memory: options.maxMemory }),
  };
}

async function runStart(
  ctx: CommandContext,
  call: Invocation<StartOptions>,
  operands: readonly string[],
): Promise<ExitCode> {
  const [name = '', ...command] = operands;
  const client = ctx.client();
  let view: Service;
  if (command.length === 0) {
    try {
      view = await client.services.start(name);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404)
        throw new UsageError(
          `there is no service '${name}': give its command, e.g. codedance start ${name} -- node app.js`,
        );
      throw error;
    }
  } else {
    const spec = specFromFlags(name, command, call.options, ctx.io.cwd);
    const exists = await client.services.get(name).then(
      () => true,
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return false;
        throw error;
      },
    );
    if (exists) {
      await client.services.update(name, spec, { wait: false });
      view = await client.services.start(name);
    } else {
      view = await client.services.create(spec);
    }
  }
  if (call.options.wait !== false) view = await settle(ctx, name, readinessWait(view));
  return report(ctx, view, 'ONLINE');
}

/** `codedance start`. */
export function registerStart(program: Command, wrap: Wrap): void {
  const start = program
    .command('start')
    .description('Define a service if it is new and start it (like pm2 start)')
    .argument('<name>', 'service name')
    .argument('[command...]', 'the command and its arguments, after --')
    .option(
      '-i, --instances <n>',
      'how many instances (instance i gets PORT = port + i)',
      numberIn(1, 64),
    )
    .option('-p, --port <port>', 'port of instance 0', numberIn(1, 65535))
    .option('--restart <policy>', 'always | on-failure | never', choice(RESTART_POLICIES))
    .option('--ready-http <path>', 'ready when GET <path> on the instance port answers 2xx/3xx')
    .option('--ready-tcp', 'ready when the instance port accepts connections')
    .option('--ready-log <regex>', 'ready when the instance logs a line matching <regex>')
    .option('--ready-after <seconds>', 'ready after running this long', positive)
    .option('--max-memory <size>', 'restart an instance above this memory, e.g. 200MB')
    .option('--cwd <dir>', 'working folder (default: the current one)')
    .option('--env <NAME=value>', 'an environment variable (repeat for more)', append)
    .option(
      '--secret-env <NAME=value>',
      'a secret variable: never shown again, masked in logs (repeat for more)',
      append,
    )
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
  start.action(wrap<StartOptions>((ctx, call) => runStart(ctx, call, start.args)));
}
