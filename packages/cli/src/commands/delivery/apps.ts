import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext, Invocation, Wrap } from '../../context.js';
import { EXIT_CODES, type ExitCode } from '../../exit-codes.js';
import { UsageError } from '../../failure.js';
import { formatApp, formatAppTable } from './format.js';
import { appLabel, parseAppRef } from './target.js';
import { allPages } from '../../pages.js';
import type { App } from '@codedance/api';

const JSON_TYPE = 'application/json';
const YAML_TYPE = 'application/yaml';

/** JSON for `.json` files and text that starts like JSON; YAML otherwise. */
export function manifestType(file: string, text: string): string {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return JSON_TYPE;
  if (extension === '.yaml' || extension === '.yml') return YAML_TYPE;
  return /^\s*[{[]/.test(text) ? JSON_TYPE : YAML_TYPE;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The manifest's text, from a file or (for `-`) standard input. */
export async function readManifest(file: string, cwd: string): Promise<string> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (text.trim() === '')
    throw new UsageError(
      `${file === '-' ? 'standard input' : file} is empty: expected an App manifest`,
    );
  return text;
}

async function runApply(
  ctx: CommandContext,
  call: Invocation<{ file: string }>,
): Promise<ExitCode> {
  const { file } = call.options;
  const text = await readManifest(file, ctx.io.cwd);
  const answer = await ctx.client().apps.apply(text, { contentType: manifestType(file, text) });
  const { out } = ctx;
  if (out.json) {
    out.data(answer);
    return EXIT_CODES.SUCCESS;
  }
  const { app } = answer;
  const label = appLabel(app);
  out.line(
    `${out.mark('pass')} ${answer.created ? 'created' : 'updated'} ${label}: public port ${app.port}, ${app.instances} instance${app.instances === 1 ? '' : 's'} per version, ${app.strategy}`,
  );
  if (app.stable === null)
    out.line(
      out.paint(
        'dim',
        `release its first version with: codedance deploy ${label} --version <label>`,
      ),
    );
  return EXIT_CODES.SUCCESS;
}

async function runList(ctx: CommandContext): Promise<ExitCode> {
  const apps = await allPages<App>(ctx.client(), '/api/apps', 'apps');
  if (ctx.out.json) ctx.out.data(apps);
  else if (apps.length === 0)
    ctx.out.line('no apps yet; declare one with: codedance apply -f app.yaml');
  else ctx.out.lines(formatAppTable(ctx.out, apps, new Date()));
  return EXIT_CODES.SUCCESS;
}

async function runGet(
  ctx: CommandContext,
  call: Invocation<{ namespace?: string }>,
): Promise<ExitCode> {
  const ref = parseAppRef(call.args[0] ?? '', call.options.namespace);
  const app = await ctx.client().apps.get(ref.namespace, ref.name);
  if (ctx.out.json) ctx.out.data(app);
  else ctx.out.lines(formatApp(ctx.out, app, new Date()));
  return EXIT_CODES.SUCCESS;
}

async function runDelete(
  ctx: CommandContext,
  call: Invocation<{ namespace?: string }>,
): Promise<ExitCode> {
  const ref = parseAppRef(call.args[0] ?? '', call.options.namespace);
  await ctx.client().apps.remove(ref.namespace, ref.name);
  if (ctx.out.json) ctx.out.data({ app: appLabel(ref), deleted: true });
  else
    ctx.out.line(
      `${ctx.out.mark('pass')} deleted ${appLabel(ref)}: its router and versions are stopped`,
    );
  return EXIT_CODES.SUCCESS;
}

const NAMESPACE_HELP = 'the namespace, when <app> is a bare name (default: default)';

/** `codedance apply` and `codedance apps [ls|get|delete]`. */
export function registerApps(program: Command, wrap: Wrap): void {
  program
    .command('apply')
    .description('Create or update an app from its manifest (YAML or JSON, kind: App)')
    .requiredOption('-f, --file <file>', 'the manifest file, or - for standard input')
    .addHelpText(
      'after',
      `
The manifest is sent as written; the server checks it and lists every problem with its path.
See docs/delivery.md for its fields.

Examples:
  $ codedance apply -f shop.yaml
  $ cat shop.json | codedance apply -f -`,
    )
    .action(wrap(runApply));

  const apps = program
    .command('apps')
    .alias('app')
    .description('Apps released progressively: list, show, delete')
    .addHelpText(
      'after',
      `
Examples:
  $ codedance apps
  $ codedance apps get production/shop
  $ codedance apps delete production/shop`,
    );
  apps
    .command('ls', { isDefault: true })
    .alias('list')
    .description('Every app: public port, stable version, previous version kept warm, last release')
    .action(wrap(runList));
  apps
    .command('get')
    .alias('show')
    .description('One app: port, instances, strategy, versions, last release')
    .argument('<app>', '<namespace>/<name>, or <name> with --namespace')
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .action(wrap(runGet));
  apps
    .command('delete')
    .alias('rm')
    .description("Stop an app's router and versions and forget it (refused while a release runs)")
    .argument('<app>', '<namespace>/<name>, or <name> with --namespace')
    .option('-n, --namespace <namespace>', NAMESPACE_HELP)
    .action(wrap(runDelete));
}
