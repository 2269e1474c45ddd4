import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type CommandContext, type Invocation, type Wrap } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../failure.js';
import { formatBytes } from '../../output.js';
import { choice, numberIn } from '../option-values.js';
import { parseTime } from '../transfer.js';
import type { DeploymentAction } from '@codedance/api';
import { ACTIONS, STATUSES } from './answers.js';
import { formatDeployment, formatDeploymentTable, paintStatus, versionText } from './format.js';
import { pausedHint } from './progress.js';
import { executorHeader, executorValue, parseAppRef, resolveRelease } from './target.js';
import { watchRelease } from './watch.js';

interface TargetOptions {
  namespace?: string;
}

interface ActionOptions extends TargetOptions {
  executor?: string;
}

interface FilterOptions {
  app?: string;
  environment?: string;
  status?: string;
  since?: string;
  until?: string;
}

interface ListOptions extends FilterOptions {
  limit?: number;
}

interface ExportOptions extends FilterOptions {
  format?: string;
  output?: string;
}

/** The list and export filters as the server's query parameters. */
export function filterQuery(options: FilterOptions, now: Date): URLSearchParams {
  const query = new URLSearchParams();
  if (options.app !== undefined) {
    const ref = parseAppRef(options.app, options.environment, '--environment');
    query.set('app', ref.name);
    // A bare name without --environment means that name in every environment.
    if (options.app.includes('/') || options.environment !== undefined)
      query.set('environment', ref.namespace);
  } else if (options.environment !== undefined) {
    query.set('environment', options.environment);
  }
  if (options.status !== undefined) query.set('status', options.status);
  if (options.since !== undefined) query.set('from', parseTime(options.since, now));
  if (options.until !== undefined) query.set('to', parseTime(options.until, now));
  return query;
}

async function runGet(ctx: CommandContext, call: Invocation<TargetOptions>): Promise<ExitCode> {
  const id = await resolveRelease(ctx, call.args[0] ?? '', call.options.namespace);
  const d = await ctx.client().deployments.get(id);
  if (ctx.out.json) ctx.out.data(d);
  else ctx.out.lines(formatDeployment(ctx.out, d, new Date()));
  return EXIT_CODES.SUCCESS;
}

async function runWatch(
  ctx: CommandContext,
  call: Invocation<TargetOptions & { waitTimeout?: number }>,
): Promise<ExitCode> {
  const id = await resolveRelease(ctx, call.args[0] ?? '', call.options.namespace);
  return watchRelease(ctx, id, {
    token: ctx.token(),
    timeoutSeconds: call.options.waitTimeout,
    announce: true,
  });
}

const DONE: Record<DeploymentAction, string> = {
  pause: 'paused',
  resume: 'resumed',
  promote: 'promoted',
  abort: 'aborted',
  rollback: 'rolled back',
  retry: 'retried',
};

async function runAction(
  ctx: CommandContext,
  action: DeploymentAction,
  call: Invocation<ActionOptions>,
): Promise<ExitCode> {
  const id = await resolveRelease(ctx, call.args[0] ?? '', call.options.namespace);
  const d = await ctx.client().deployments.act(id, action, {
    headers: executorHeader(call.options.executor, ctx.io.env),
  });
  const { out } = ctx;
  if (out.json) {
    out.data(d);
    return EXIT_CODES.SUCCESS;
  }
  const what = `${d.environment}/${d.app} ${versionText(d)}`;
  const now =
    d.reason === null ? paintStatus(out, d.status) : `${paintStatus(out, d.status)}: ${d.reason}`;
  out.line(
    action === 'retry'
      ? `${out.mark('pass')} retried ${id} as ${d.id}: ${what}, ${now}`
      : `${out.mark('pass')} ${DONE[action]} ${d.id} (${what}): now ${now}`,
  );
  if (d.status === 'PAUSED') out.line(out.paint('dim', pausedHint(d)));
  if (d.status !== 'COMPLETED' && d.status !== 'FAILED' && d.status !== 'ROLLED_BACK')
    out.line(out.paint('dim', `follow it with: codedance rollout watch ${d.id}`));
  return EXIT_CODES.SUCCESS;
}

async function runList(ctx: CommandContext, call: Invocation<ListOptions>): Promise<ExitCode> {
  const now = new Date();
  const query = filterQuery(call.options, now);
  query.set('limit', String(call.options.limit ?? 20));
  const page = await ctx.client().deployments.list(Object.fromEntries(query));
  const { out } = ctx;
  if (out.json) out.data(page);
  else if (page.items.length === 0) out.line('no releases match');
  else {
    out.lines(formatDeploymentTable(out, page.items, now));
    if (page.total > page.items.length)
      out.line(out.paint('dim', `${page.items.length} of ${page.total}; --limit shows more`));
  }
  return EXIT_CODES.SUCCESS;
}

async function runExport(ctx: CommandContext, call: Invocation<ExportOptions>): Promise<ExitCode> {
  const query = filterQuery(call.options, new Date());
  query.set('format', call.options.format ?? 'json');
  const answer = await ctx.client().deployments.export(Object.fromEntries(query));
  const { output } = call.options;
  if (output === undefined) {
    ctx.io.stdout.write(answer.text.endsWith('\n') ? answer.text : `${answer.text}\n`);
    return EXIT_CODES.SUCCESS;
  }
  const file = resolve(ctx.io.cwd, output);
  try {
    await writeFile(file, answer.text, { mode: 0o600 });
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${(error as Error).message}`);
  }
  const bytes = Buffer.byteLength(answer.text);
  if (ctx.out.json) ctx.out.data({ file, bytes });
  else ctx.out.line(`${ctx.out.mark('pass')} wrote ${output} (${formatBytes(bytes)})`);
  return EXIT_CODES.SUCCESS;
}

const TARGET = '<release>';
const TARGET_HELP = 'a deployment id, or an app (<namespace>/<name> or <name>): its latest release';
const NAMESPACE_HELP = 'the namespace, when <release> is a bare app name (default: default)';

const ACTION_HELP: Record<DeploymentAction, string> = {
  pause: 'Pause a running release where it is (traffic stays as it is)',
  resume: 'Resume a paused release; a step waiting for a person goes on',
  promote: 'Skip the remaining steps: full traffic to the new version now',
  abort: 'Stop a release that runs: traffic back to the stable version',
  rollback: 'Roll a COMPLETED release back to the version it replaced (while that is warm)',
  retry: 'Release the version of a FAILED or ROLLED_BACK release again',
};

function addFilters(command: Command): Command {
  return command
    .option('--app <app>', 'only this app: <name> (any namespace) or <namespace>/<name>')
    .option('-n, --environment <namespace>', 'only this namespace (environment)')
    .option('--status <status>', STATUSES.join(' | '), choice(STATUSES, 'upper'))
    .option('--since <time>', 'started since: 2h, 7d, or a date / ISO date-time')
    .option('--until <time>', 'started before this time, written like --since');
}

/** `codedance rollout …`: get, watch, pause/resume/promote/abort/rollback/retry, list, export. */
export function registerRollout(program: Command, wrap: Wrap): void {
  const rollout = program
    .command('rollout')
    .alias('rollouts')
    .description('Releases: show, follow, act on, list and export them')
    .addHelpText(
      'after',
      `
A release is named by its deployment id, or by its app, which means the app's latest release.
Actions never ask for confirmation: they are meant for pipelines as much as for people.

Examples:
  $ codedance rollout get production/shop
  $ codedance rollout watch dep-20260315-1a2b3c4d
  $ codedance rollout promote shop -n staging
  $ codedance rollout list --app production/shop --since 7d
  $ codedance rollout export --format csv -o releases.csv`,
    );
  rollout
    .command('get')
    .alias('show')
    .description('One release: header, step timeline, traffic, resources, last analysis verdicts')
    .argument(TARGET, TARGET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .action(wrap(runGet));
  rollout
    .command('watch')
    .description('Follow a release to its end, as deploy --wait does')
    .argument(TARGET, TARGET_HELP)
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .option(
      '--wait-timeout <seconds>',
      'give up watching after this long (the release goes on)',
      numberIn(1, 2_147_483),
    )
    .addHelpText(
      'after',
      `
Exits 0 when the release COMPLETED, ${EXIT_CODES.RELEASE_FAILED} when it was ROLLED_BACK or FAILED, ${EXIT_CODES.INTERRUPTED} on Ctrl-C.`,
    )
    .action(wrap<TargetOptions & { waitTimeout?: number }>((ctx, call) => runWatch(ctx, call)));
  for (const action of ACTIONS) {
    rollout
      .command(action)
      .description(ACTION_HELP[action])
      .argument(TARGET, TARGET_HELP)
      .option('-n, --namespace <namespace>', NAMESPACE_HELP)
      .option(
        '--executor <who>',
        'who acts, for the record (default: your user name)',
        executorValue,
      )
      .action(wrap<ActionOptions>((ctx, call) => runAction(ctx, action, call)));
  }
  addFilters(
    rollout
      .command('list')
      .alias('ls')
      .description('Releases, newest first: id, app, versions, strategy, status, duration, reason'),
  )
    .option('--limit <n>', 'at most this many (default 20)', numberIn(1, 500))
    .action(wrap(runList));
  addFilters(
    rollout
      .command('export')
      .description('Releases matching the filters as a CSV or JSON file, newest first'),
  )
    .option('--format <format>', 'json | csv (default json)', choice(['json', 'csv'], 'lower'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action(wrap(runExport));
}
