import { readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { isRecord } from '../client.js';
import type { CommandContext, Invocation, Wrap } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { UsageError } from '../failure.js';
import { formatBytes } from '../output.js';
import { formatImport, formatPlan } from './import-report.js';
import { choice, numberIn } from './option-values.js';

export type ImportFormat = 'tasks.json' | 'pm2';

interface ExportOptions {
  format?: string;
  output?: string;
}

interface LogExportOptions extends ExportOptions {
  task?: string;
  service?: string;
  run?: string;
  level?: string;
  text?: string;
  since?: string;
  until?: string;
  limit?: number;
}

const MODULE_EXTENSIONS = new Set(['.js', '.cjs', '.mjs']);

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 2h` (that long before `now`) or an ISO date / date-time, as the server's date-time. */
export function parseTime(value: string, now: Date): string {
  const relative = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (relative) {
    const [, amount = '0', unit = 's'] = relative;
    return new Date(now.getTime() - Number(amount) * (UNIT_MS[unit] ?? 0)).toISOString();
  }
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim()) || Number.isNaN(time))
    throw new UsageError(
      `not a time: '${value}' (write 2h, 30m, 7d, 2024-05-01 or 2024-05-01T12:00:00Z)`,
    );
  return new Date(time).toISOString();
}

/** The body of `POST /api/export/logs` for the flags given. */
export function logExportBody(options: LogExportOptions, now: Date): Record<string, unknown> {
  if (options.task !== undefined && options.service !== undefined)
    throw new UsageError('choose --task or --service, not both');
  const source =
    options.task !== undefined
      ? { kind: 'task', id: options.task }
      : options.service !== undefined
        ? { kind: 'service', id: options.service }
        : {};
  if (options.run !== undefined && options.task === undefined)
    throw new UsageError('--run goes with --task');
  return {
    format: options.format ?? 'json',
    ...source,
    ...(options.run === undefined ? {} : { run: options.run }),
    ...(options.level === undefined ? {} : { level: options.level }),
    ...(options.text === undefined ? {} : { text: options.text }),
    ...(options.since === undefined ? {} : { since: parseTime(options.since, now) }),
    ...(options.until === undefined ? {} : { until: parseTime(options.until, now) }),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
  };
}

/**
 * Sends an export request and writes the file it answers, to `-o` or
 * stdout. JSON is re-indented: a person is as likely to read it as a program.
 */
async function runExport(
  ctx: CommandContext,
  path: string,
  body: Record<string, unknown>,
  output: string | undefined,
): Promise<ExitCode> {
  const answer = await ctx.client().file('POST', path, { body });
  const text =
    answer.body === undefined ? answer.text : `${JSON.stringify(answer.body, null, 2)}\n`;
  if (output === undefined) {
    ctx.io.stdout.write(text);
    return EXIT_CODES.SUCCESS;
  }
  const file = resolve(ctx.io.cwd, output);
  try {
    await writeFile(file, text, { mode: 0o600 });
  } catch (error) {
    throw new UsageError(`cannot write ${output}: ${(error as Error).message}`);
  }
  const bytes = Buffer.byteLength(text);
  if (ctx.out.json) ctx.out.data({ file, bytes });
  else ctx.out.line(`${ctx.out.mark('pass')} wrote ${output} (${formatBytes(bytes)})`);
  return EXIT_CODES.SUCCESS;
}

/** A PM2 ecosystem file exports `{ apps: [...] }`; anything else is read as tasks.json. */
export function detectFormat(content: unknown): ImportFormat {
  return isRecord(content) && Array.isArray(content.apps) ? 'pm2' : 'tasks.json';
}

const LOG_PATH_KEYS = ['out_file', 'error_file', 'log_file'] as const;

/**
 * PM2 reads a relative `out_file`, `error_file` or `log_file` from the app's `cwd` (itself
 * relative to the file's folder here), else from where it was started: the file's folder.
 * The server takes absolute paths only, so they are made absolute here, as PM2 would.
 */
export function anchorLogPaths(content: unknown, folder: string): unknown {
  if (!isRecord(content) || !Array.isArray(content.apps)) return content;
  const apps = content.apps.map((app: unknown) => {
    if (!isRecord(app)) return app;
    const base = typeof app.cwd === 'string' ? resolve(folder, app.cwd) : folder;
    const anchored: Record<string, unknown> = { ...app };
    for (const key of LOG_PATH_KEYS) {
      const value = app[key];
      if (typeof value === 'string' && value !== '') anchored[key] = resolve(base, value);
    }
    return anchored;
  });
  return { ...content, apps };
}

/**
 * Reads an import file: JSON is parsed; a `.js`/`.cjs`/`.mjs` ecosystem
 * file is loaded as the module it is, since PM2 files compute their apps
 * in JavaScript. Loading it runs it in this process, which is what `pm2
 * start` does with it too: it is the user's own file on their own
 * machine, named by them on the command line.
 */
export async function readImportFile(
  file: string,
  cwd: string,
): Promise<{ format: ImportFormat; content: unknown }> {
  const absolute = resolve(cwd, file);
  if (MODULE_EXTENSIONS.has(extname(absolute))) {
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`cannot load ${file}: ${(error as Error).message}`);
    }
    // CommonJS `module.exports` and ESM `export default` both arrive as `default`.
    const { default: exported, ...named } = loaded;
    const content = exported ?? named;
    // JSON keeps what the server can read; functions and the like are dropped here.
    const plain = JSON.parse(JSON.stringify(content)) as unknown;
    return { format: 'pm2', content: anchorLogPaths(plain, dirname(absolute)) };
  }
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const format = detectFormat(content);
  return {
    format,
    content: format === 'pm2' ? anchorLogPaths(content, dirname(absolute)) : content,
  };
}

async function runImportJobs(ctx: CommandContext, apply: boolean): Promise<ExitCode> {
  const client = ctx.client();
  const answer = apply ? await client.tasks.applyJobs() : await client.tasks.jobs();
  const { out } = ctx;
  const ok = answer.problems.length === 0;
  if (out.json) {
    out.data({ applied: apply, ...answer });
    return ok ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
  }
  const { plan } = answer;
  const where = `${answer.directory} (${answer.files} file${answer.files === 1 ? '' : 's'})`;
  out.line(
    apply
      ? `${out.mark('pass')} applied the jobs folder ${where}: ${plan.create.length} created, ${plan.update.length} updated`
      : `Dry run of the jobs folder ${where} (nothing changed yet):`,
  );
  out.lines(formatPlan(out, plan));
  for (const p of answer.problems)
    out.line(`  ${out.mark('fail')} ${p.file} ${p.path || '(root)'}: ${p.message}`);
  if (!apply && plan.create.length + plan.update.length > 0)
    out.line(out.paint('dim', 'apply it with: codedance import jobs --apply'));
  return ok ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

async function runImport(
  ctx: CommandContext,
  call: Invocation<{ apply?: boolean; prune?: boolean }>,
): Promise<ExitCode> {
  const [source = ''] = call.args;
  const apply = call.options.apply === true;
  const prune = call.options.prune === true;
  if (source === 'jobs') {
    if (prune) throw new UsageError('--prune does not apply to the jobs folder');
    return runImportJobs(ctx, apply);
  }
  const { format, content } = await readImportFile(source, ctx.io.cwd);
  const answer = await ctx.client().tasks.import({ format, content, apply, prune });
  const { out } = ctx;
  const ok = answer.results.every((r) => r.ok);
  if (out.json) {
    out.data({ format, ...answer });
    return ok ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
  }
  out.lines(formatImport(out, source, answer));
  if (!apply)
    out.line(
      out.paint(
        'dim',
        `apply it with: codedance import ${source} --apply${prune ? ' --prune' : ''}`,
      ),
    );
  return ok ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

export function registerTransfer(program: Command, wrap: Wrap): void {
  /** An export command's action: the request body from its flags, the file to -o or stdout. */
  const exportAction = (
    path: string,
    body: (options: LogExportOptions) => Record<string, unknown>,
  ) =>
    wrap<LogExportOptions>((ctx, call) =>
      runExport(ctx, path, body(call.options), call.options.output),
    );
  const exporter = program
    .command('export')
    .description('Export task definitions, workload logs or the whole system state')
    .addHelpText(
      'after',
      `
Examples:
  $ codedance export tasks -o tasks.json
  $ codedance export logs --task backup --since 1d --format text
  $ codedance export system -o snapshot.json`,
    );
  exporter
    .command('tasks')
    .description('Every task definition, as tasks.json (importable again) or CSV')
    .option('--format <format>', 'json | csv (default json)', choice(['json', 'csv'], 'lower'))
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ codedance export tasks > tasks.json
  $ codedance export tasks --format csv -o tasks.csv`,
    )
    .action(exportAction('/api/export/tasks', (o) => ({ format: o.format ?? 'json' })));
  exporter
    .command('logs')
    .description('Workload log lines, oldest first, as JSON, CSV or plain text')
    .option(
      '--format <format>',
      'json | csv | text (default json)',
      choice(['json', 'csv', 'text'], 'lower'),
    )
    .option('--task <id>', "only this task's lines")
    .option('--service <name>', "only this service's lines")
    .option('--run <run>', 'only this run (with --task)')
    .option('--level <level>', 'at least this level: DEBUG, INFO, WARNING, ERROR', (v) =>
      choice(['debug', 'info', 'warning', 'error'], 'lower')(v).toUpperCase(),
    )
    .option('--text <text>', 'only lines containing this text (case-insensitive)')
    .option('--since <time>', 'from this time: 2h, 30m, 7d, or a date / ISO date-time')
    .option('--until <time>', 'up to this time, written like --since')
    .option(
      '--limit <n>',
      'at most this many lines, the newest (default and most 5000)',
      numberIn(1, 5000),
    )
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ codedance export logs --task backup --level ERROR --since 7d -o errors.json
  $ codedance export logs --service api --format text --since 1h
  $ codedance export logs --format csv -o logs.csv`,
    )
    .action(exportAction('/api/export/logs', (o) => logExportBody(o, new Date())));
  exporter
    .command('system')
    .description(
      'The configuration (secrets redacted), every task and its status, as one JSON file',
    )
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .addHelpText('after', '\nExamples:\n  $ codedance export system -o snapshot.json')
    .action(exportAction('/api/export/system', () => ({})));

  program
    .command('import')
    .description('Import tasks from tasks.json, a PM2 ecosystem file, or the jobs folder')
    .argument(
      '<source>',
      'a file, or "jobs" for the server\'s jobs folder (a file named jobs: ./jobs)',
    )
    .option('--apply', 'carry the plan out (without it: a dry run that changes nothing)')
    .option('--prune', 'also delete tasks the file does not list')
    .addHelpText(
      'after',
      `
Formats: a PM2 ecosystem file (ecosystem.config.js / .cjs / .mjs, loaded as JavaScript, or JSON
with "apps"), or tasks.json (what "codedance export tasks" writes). PM2 apps with
autorestart: false and cron_restart become tasks; the others become services.
Without --apply it prints what would be created, updated, removed and left alone, and exits 0.
With it, applying the same file again converges, like pm2 start ecosystem.config.js: a new
service is created and started, a changed one is updated (a rolling restart when what it runs
changed), an unchanged one is left alone; each service gets a line saying which, and the summary
counts them. Services the file does not list are kept (--prune removes tasks only). Exits 1 when
a service could not be created or updated.

Examples:
  $ codedance import tasks.json                     dry run: what would change
  $ codedance import tasks.json --apply --prune     make the tasks exactly those of the file
  $ codedance import ecosystem.config.js --apply
  $ codedance import jobs                           what the jobs folder would change`,
    )
    .action(wrap(runImport));
}
