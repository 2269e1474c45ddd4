import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ConfigAnswer } from '@codedance/api';
import { leaves, lookup, toDotted, toPointer, formatValue } from '../config-path.js';
import type { CommandContext, Invocation, Wrap } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { UsageError } from '../failure.js';
import { formatTable, type Output } from '../output.js';

/** One row per setting: dotted path, value, where the value came from. */
export function formatSettings(
  out: Output,
  answer: ConfigAnswer,
  pointer: string,
  value: unknown,
): string[] {
  const rows = leaves(value, pointer).map(([path, leaf]) => [
    toDotted(path),
    formatValue(leaf),
    out.paint('dim', answer.sources[path] ?? 'unknown'),
  ]);
  return formatTable(rows);
}

async function runGet(ctx: CommandContext, call: Invocation<object>): Promise<ExitCode> {
  const [path] = call.args;
  const pointer = path === undefined ? '' : toPointer(path);
  if (pointer === null)
    throw new UsageError(
      `not a setting path: '${path ?? ''}' (write it as logging.level or /logging/level)`,
    );
  const answer = await ctx.client().settings.config();
  const { out } = ctx;
  if (pointer === '') {
    if (out.json) out.data(answer);
    else {
      out.line(`Configuration ${out.paint('dim', `(file: ${answer.file})`)}`);
      out.lines(formatSettings(out, answer, '', answer.config).map((l) => `  ${l}`));
      if (answer.pendingRestart.length > 0) {
        out.line(
          `${out.mark('warn')} waiting for a restart: ${answer.pendingRestart.map(toDotted).join(', ')}`,
        );
      }
    }
    return EXIT_CODES.SUCCESS;
  }
  const found = lookup(answer.config, pointer);
  if (!found.found) {
    out.error(`error: there is no setting '${path ?? ''}' (try: codedance config get)`);
    return EXIT_CODES.FAILURE;
  }
  const isLeaf =
    leaves(found.value, pointer).length === 1 && leaves(found.value, pointer)[0]?.[0] === pointer;
  if (out.json) {
    out.data(
      isLeaf
        ? { path: pointer, value: found.value, source: answer.sources[pointer] ?? null }
        : {
            path: pointer,
            value: found.value,
            sources: Object.fromEntries(
              leaves(found.value, pointer).map(([p]) => [p, answer.sources[p] ?? null]),
            ),
          },
    );
    return EXIT_CODES.SUCCESS;
  }
  out.lines(formatSettings(out, answer, pointer, found.value));
  const pending = answer.pendingRestart.filter((p) => p === pointer || p.startsWith(`${pointer}/`));
  if (pending.length > 0)
    out.line(`${out.mark('warn')} waiting for a restart: ${pending.map(toDotted).join(', ')}`);
  return EXIT_CODES.SUCCESS;
}

/** Reads a candidate config.json; a broken file is a failure that names the file. */
async function readCandidate(ctx: CommandContext, file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(resolve(ctx.io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return new SyntaxError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function runValidate(ctx: CommandContext, call: Invocation<object>): Promise<ExitCode> {
  const [file] = call.args;
  const { out } = ctx;
  const candidate = file === undefined ? {} : await readCandidate(ctx, file);
  if (candidate instanceof SyntaxError) {
    if (out.json)
      out.data({
        file,
        valid: false,
        problems: [{ path: '', message: candidate.message }],
        live: [],
        restart: [],
      });
    else out.error(`${out.mark('fail')} ${candidate.message}`);
    return EXIT_CODES.FAILURE;
  }
  const report = await ctx.client().settings.validate(candidate as Record<string, unknown>);
  const subject = file ?? 'the current configuration';
  if (out.json) out.data(file === undefined ? report : { file, ...report });
  else if (report.valid) {
    out.line(`${out.mark('pass')} ${subject} is valid`);
    // For `{}` these lists compare defaults with the running config, which says nothing useful.
    if (file !== undefined) {
      if (report.live.length > 0)
        out.line(`  applies at once: ${report.live.map(toDotted).join(', ')}`);
      if (report.restart.length > 0)
        out.line(`  needs a restart: ${report.restart.map(toDotted).join(', ')}`);
      const { overridden } = report;
      if (overridden.length > 0) {
        out.line(
          `  ${out.mark('warn')} set here but overridden by an environment variable or flag: ${overridden.map(toDotted).join(', ')}`,
        );
      }
    }
  } else {
    const n = report.problems.length;
    out.line(`${out.mark('fail')} ${subject} is not valid (${n} problem${n === 1 ? '' : 's'})`);
    for (const p of report.problems)
      out.line(`  ${out.mark('fail')} ${p.path || '(root)'}: ${p.message}`);
  }
  return report.valid ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

export function registerConfig(program: Command, wrap: Wrap): void {
  const config = program
    .command('config')
    .description('Read and check the server configuration')
    .addHelpText(
      'after',
      `
Examples:
  $ codedance config get
  $ codedance config get logging.level
  $ codedance config validate ./config.json`,
    );

  config
    .command('get')
    .description(
      'Show the effective configuration (secrets redacted) and where each value comes from',
    )
    .argument(
      '[path]',
      'one setting or section, dotted (logging.level) or a JSON pointer (/logging/level)',
    )
    .addHelpText(
      'after',
      `
Sources: default, file (config.json), env:<VARIABLE>, flag:<name>.

Examples:
  $ codedance config get
  $ codedance config get logging.level
  $ codedance config get /server/port --json
  $ codedance config get store`,
    )
    .action(wrap(runGet));

  config
    .command('validate')
    .description('Check a config.json document against the server schema without applying it')
    .argument('[file]', 'a JSON file to check; without it the current configuration is checked')
    .addHelpText(
      'after',
      `
The file is judged as the server would judge it at its next start, merged with the server's
environment and flags. Exits 0 when valid, 1 when the file is not valid JSON or breaks a rule
(each problem is listed with its path), 2 when the file cannot be read.

Examples:
  $ codedance config validate ./config.json
  $ codedance config validate
  $ codedance config validate new.json --json | jq .problems`,
    )
    .action(wrap(runValidate));
}
