import type { Command } from 'commander';
import type { CommandContext, GlobalOptions, Invocation, Wrap } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { numberIn } from '../option-values.js';
import { formatServiceTable, statusRow } from './format.js';
import { registerLogs } from './logs.js';
import { actOnServices, serviceNames, type ServiceAction } from './many.js';
import { registerStart } from './start.js';
import { NO_SERVICES, readinessWait, report, restartService, settle } from './wait.js';
import { allPages } from '../../pages.js';
import type { Service } from '@codedance/api';

/**
 * Runs `one` for a single named service (its full answer is printed), or
 * acts on several (or `all`) with a line each.
 */
function oneOrMany<O extends { wait?: boolean; force?: boolean }>(
  action: ServiceAction,
  one: (ctx: CommandContext, call: Invocation<O>) => Promise<ExitCode>,
): (ctx: CommandContext, call: Invocation<O>) => Promise<ExitCode> {
  return async (ctx, call) => {
    const { names, all } = await serviceNames(
      ctx,
      call.args.filter((a): a is string => a !== undefined),
    );
    if (names.length === 1 && !all) return one(ctx, call);
    if (names.length === 0) {
      if (ctx.out.json) ctx.out.data({ results: [] });
      else ctx.out.line(NO_SERVICES);
      return EXIT_CODES.SUCCESS;
    }
    return actOnServices(
      ctx,
      action,
      names,
      call.options.wait !== false,
      call.options.force === true,
    );
  };
}

async function runStop(
  ctx: CommandContext,
  call: Invocation<{ force?: boolean }>,
): Promise<ExitCode> {
  const [name = ''] = call.args;
  const forced = call.options.force === true ? '?force=true' : '';
  const view = await ctx
    .client()
    .request<Service>('POST', `/api/services/${encodeURIComponent(name)}/stop${forced}`, {
      body: {},
    });
  return report(ctx, view, 'STOPPED');
}

async function runRestart(
  ctx: CommandContext,
  call: Invocation<{ wait?: boolean }>,
): Promise<ExitCode> {
  const [name = ''] = call.args;
  return report(ctx, await restartService(ctx, name, call.options.wait !== false), 'ONLINE');
}

async function runDelete(
  ctx: CommandContext,
  call: Invocation<{ force?: boolean }>,
): Promise<ExitCode> {
  const [name = ''] = call.args;
  await ctx
    .client()
    .request(
      'DELETE',
      `/api/services/${encodeURIComponent(name)}${call.options.force === true ? '?force=true' : ''}`,
    );
  if (ctx.out.json) ctx.out.data({ name, deleted: true });
  else ctx.out.line(`${ctx.out.mark('pass')} deleted ${name}`);
  return EXIT_CODES.SUCCESS;
}

async function runScale(ctx: CommandContext, call: Invocation<object>): Promise<ExitCode> {
  const [name = '', count = ''] = call.args;
  const instances = numberIn(1, 64)(count);
  let view = await ctx.client().services.scale(name, instances);
  view = await settle(ctx, name, readinessWait(view));
  return report(
    ctx,
    view,
    view.instances.some((i) => i.desired === 'running') ? 'ONLINE' : 'STOPPED',
  );
}

async function runList(
  ctx: CommandContext,
  call: Invocation<{ definitions?: boolean }>,
): Promise<ExitCode> {
  const services = await allPages<Service>(ctx.client(), '/api/services', 'services');
  if (ctx.out.json)
    ctx.out.data(call.options.definitions === true ? services : services.map(statusRow));
  else if (services.length === 0) ctx.out.line(NO_SERVICES);
  else ctx.out.lines(formatServiceTable(ctx.out, services));
  return EXIT_CODES.SUCCESS;
}

/** The service commands, at the top level like pm2's: start, stop, restart, delete, scale, ls, logs. */
export function registerServices(program: Command, wrap: Wrap): void {
  const globals = () => program.opts<GlobalOptions>();
  registerStart(program, wrap);
  const several = (verb: string) => `
Several names act on each at once, one line per service; "all" alone means every service.
Exits 1 when any of them failed.

Examples:
  $ codedance ${verb} api
  $ codedance ${verb} api worker
  $ codedance ${verb} all`;
  program
    .command('stop')
    .description('Stop services gracefully; they stay stopped across server restarts')
    .argument('<names...>', 'service names, or all')
    .option('--force', 'stop a version a release runs all the same (it says what to do instead)')
    .addHelpText('after', several('stop'))
    .action(wrap(oneOrMany('stop', runStop)));
  program
    .command('restart')
    .description('Rolling restart: one instance at a time, each ready before the next')
    .argument('<names...>', 'service names, or all')
    .option('--no-wait', 'return at once; the rollout goes on')
    .addHelpText('after', several('restart'))
    .action(wrap(oneOrMany('restart', runRestart)));
  program
    .command('delete')
    .alias('rm')
    .description('Stop services and delete their definitions')
    .argument('<names...>', 'service names, or all')
    .option('--force', 'delete a version a release runs all the same')
    .addHelpText('after', several('delete'))
    .action(wrap(oneOrMany('delete', runDelete)));
  program
    .command('scale')
    .description('Change the number of instances of a service')
    .argument('<name>')
    .argument('<instances>')
    .action(wrap(runScale));
  program
    .command('ls')
    .alias('list')
    .description('List services: status, ready instances, restarts, CPU, memory, uptime, pids')
    .option('--definitions', 'with --json: each service in full (definition, every instance)')
    .addHelpText(
      'after',
      `
With --json, one object per service: name, status, pid (the first running one), pids,
uptime (seconds, of the newest process), restarts, cpu (%), memory (bytes), instances
(wanted) and ready. --definitions prints the whole answer of the API instead.

Examples:
  $ codedance ls
  $ codedance ls --json | jq '.[] | select(.status != "ONLINE") | .name'
  $ codedance ls --json --definitions`,
    )
    .action(wrap(runList));
  registerLogs(program, wrap, globals);
}
