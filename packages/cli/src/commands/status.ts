import type { Command } from 'commander';
import type { ServerStatus } from '@codedance/api';
import type { CommandContext, Wrap } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { formatDuration, formatTable, type Output } from '../output.js';

/** The lines `codedance status` prints for a status answer. */
export function formatStatus(out: Output, url: string, status: ServerStatus): string[] {
  const { store } = status;
  const schema =
    store.schemaVersion === null
      ? 'schema unknown'
      : `schema ${store.schemaVersion}${store.latestSchemaVersion === null ? '' : `/${store.latestSchemaVersion}`}`;
  const storeCells = [
    `${out.tick(store.ok)} ${store.backend}`,
    store.location,
    store.ok ? schema : '',
  ];
  const counts =
    status.counts === null
      ? 'unknown (the store is not available)'
      : Object.entries(status.counts)
          .map(([kind, n]) => `${kind} ${n}`)
          .join(', ') || 'none yet';
  const rows = [
    ['uptime', `${formatDuration(status.uptimeSeconds)} (since ${status.startedAt})`],
    ['process', `pid ${status.pid}, node ${status.node}`],
    ['store', storeCells.filter((c) => c !== '').join('  ')],
    ...(store.error
      ? [['', out.paint('red', `${store.error.message} (${store.error.code})`)]]
      : []),
    ['objects', counts],
  ];
  return [
    `${out.mark('pass')} ${out.paint('bold', `${status.name} ${status.version}`)} at ${url}`,
    ...formatTable(rows, { indent: 2 }),
  ];
}

async function runStatus(ctx: CommandContext): Promise<ExitCode> {
  const status = await ctx.client().status();
  if (ctx.out.json) ctx.out.data(status);
  else ctx.out.lines(formatStatus(ctx.out, ctx.url(), status));
  return status.store.ok ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

export function registerStatus(program: Command, wrap: Wrap): void {
  program
    .command('status')
    .description('Show the server: version, uptime, store backend and health, object counts')
    .addHelpText(
      'after',
      `
Exits 1 when the server answers but its store is not available.

Examples:
  $ codedance status
  $ codedance status --json | jq .store
  $ CODEDANCE_URL=http://10.0.0.5:8100 CODEDANCE_TOKEN=… codedance status`,
    )
    .action(wrap(runStatus));
}
