import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { type CommandContext, type Invocation, type Wrap } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../failure.js';
import { append, numberIn, parseEnv } from '../option-values.js';
import type { RunSpec } from '@codedance/api';
import { STRATEGIES } from './answers.js';
import { formatStarted } from './format.js';
import { executorHeader, executorValue, parseAppRef, type AppRef } from './target.js';
import { watchRelease } from './watch.js';

export interface DeployOptions {
  version: string;
  namespace?: string;
  strategy?: string;
  executor?: string;
  env?: string[];
  cwd?: string;
  wait?: boolean;
  waitTimeout?: number;
}

/** `--strategy`: CANARY, BLUE_GREEN, ROLLING or ALL_AT_ONCE, in any case, `-` for `_`. */
export function strategyValue(value: string): string {
  const v = value.trim().toUpperCase().replaceAll('-', '_');
  if (!(STRATEGIES as readonly string[]).includes(v))
    throw new InvalidArgumentError(`expected one of ${STRATEGIES.join(', ')}.`);
  return v;
}

/** `--version`: the label of the version to release (v2, 1.4.0, 2026-03-15.1). */
export function versionValue(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a version label, e.g. v2.');
  return value.trim();
}

/**
 * How the new version runs: the command after `--` (with `--env` and `--cwd`), or the app's own
 * command with `--env` added to its environment, or nothing (the server uses the app's).
 */
export async function runFor(
  ctx: CommandContext,
  ref: AppRef,
  command: readonly string[],
  options: Pick<DeployOptions, 'env' | 'cwd'>,
): Promise<RunSpec | undefined> {
  const env = parseEnv(options.env ?? []);
  const [program, ...args] = command;
  if (program !== undefined) {
    return {
      command: program,
      args,
      cwd: resolve(ctx.io.cwd, options.cwd ?? '.'),
      ...(Object.keys(env).length === 0 ? {} : { env }),
    };
  }
  if (options.cwd !== undefined) throw new UsageError('--cwd goes with a command after --');
  if (Object.keys(env).length === 0) return undefined;
  // The server takes `run` whole: the app's own is completed with the new variables.
  const app = await ctx.client().apps.get(ref.namespace, ref.name);
  const run = app.manifest.spec.run;
  return { ...run, env: { ...(run.env ?? {}), ...env } };
}

async function runDeploy(
  ctx: CommandContext,
  call: Invocation<DeployOptions>,
  operands: readonly string[],
): Promise<ExitCode> {
  const { options } = call;
  const { out } = ctx;
  const [target = '', ...command] = operands;
  const ref = parseAppRef(target, options.namespace);
  const run = await runFor(ctx, ref, command, options);
  const body = {
    app: ref.name,
    namespace: ref.namespace,
    version: options.version,
    ...(run === undefined ? {} : { run }),
    // --strategy takes only STRATEGIES.
    ...(options.strategy === undefined
      ? {}
      : { strategy: options.strategy as (typeof STRATEGIES)[number] }),
    ...(options.executor === undefined ? {} : { executor: options.executor }),
  };
  const d = await ctx.client().deployments.create(body, {
    headers: executorHeader(options.executor, ctx.io.env),
  });
  if (options.wait !== true) {
    if (out.json) out.data(d);
    else {
      out.line(formatStarted(out, d));
      out.line(out.paint('dim', `follow it with: codedance rollout watch ${d.id}`));
    }
    return EXIT_CODES.SUCCESS;
  }
  if (!out.json) out.line(formatStarted(out, d));
  return watchRelease(ctx, d.id, {
    token: ctx.token(),
    timeoutSeconds: options.waitTimeout,
  });
}

/** `codedance deploy`. */
export function registerDeploy(program: Command, wrap: Wrap): void {
  const deploy = program
    .command('deploy')
    .description('Release a new version of an app progressively (canary, blue-green, rolling)')
    .argument('<app>', 'the app: <name> (namespace default) or <namespace>/<name>')
    .argument('[command...]', 'how the new version runs, after -- (default: the app’s command)')
    .requiredOption('--version <label>', 'the version to release, e.g. v2', versionValue)
    .option('-n, --namespace <namespace>', 'the app’s namespace (environment)')
    .option('--strategy <type>', `${STRATEGIES.join(' | ')} (default: the app’s)`, strategyValue)
    .option(
      '--executor <who>',
      'who releases, for the record (default: your user name)',
      executorValue,
    )
    .option(
      '--env <NAME=value>',
      'an environment variable of the new version (repeat for more)',
      append,
    )
    .option('--cwd <dir>', 'working folder of the command after -- (default: the current one)')
    .option('--wait', 'follow the release to its end; exit 0 only when it COMPLETED')
    .option(
      '--wait-timeout <seconds>',
      'with --wait, give up waiting after this long (the release goes on)',
      numberIn(1, 2_147_483),
    )
    .addHelpText(
      'after',
      `
Without a command the new version runs the app's own command; --env then adds to its
environment. With a command after --, that command (in --cwd, with --env) runs the new version.
--wait prints each step, traffic change and analysis verdict as it happens, and exits
0 when the release COMPLETED, ${EXIT_CODES.RELEASE_FAILED} when it was ROLLED_BACK or FAILED (with the reason). A PAUSED
release is waited for: it says what it waits for (codedance rollout resume|promote|abort).

Examples:
  $ codedance deploy shop --version v2 --wait
  $ codedance deploy production/shop --version v3 --strategy BLUE_GREEN
  $ codedance deploy shop -n staging --version v4 --env FEATURE_X=1 --wait -- node server.js`,
    );
  deploy.action(wrap<DeployOptions>((ctx, call) => runDeploy(ctx, call, deploy.args)));
}
