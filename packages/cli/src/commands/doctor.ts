import type { Command } from 'commander';
import type { CommandContext, Wrap } from '../context.js';
import { summarize } from '../doctor/checks.js';
import type { CheckResult } from '../doctor/facts.js';
import { diagnose } from '../doctor/diagnose.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';

const PORT_PROBE_TIMEOUT_MS = 2000;

/** The report a person reads: one aligned line per check, then evidence and the fix under it. */
export function formatReport(out: Output, checks: readonly CheckResult[]): string[] {
  const titleWidth = Math.max(...checks.map((c) => c.title.length));
  const pad = ' '.repeat(2 + titleWidth + 2);
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${out.mark(check.status)} ${check.title.padEnd(titleWidth)}  ${check.detail}`);
    for (const line of check.evidence ?? []) lines.push(`${pad}${out.paint('dim', line)}`);
    if (check.fix !== undefined && check.status !== 'pass') lines.push(`${pad}fix: ${check.fix}`);
  }
  const { passed, warnings, failed } = summarize(checks);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = `${passed} passed, ${plural(warnings, 'warning')}, ${failed} failed`;
  lines.push(
    '',
    failed > 0
      ? out.paint('red', summary)
      : warnings > 0
        ? out.paint('yellow', summary)
        : out.paint('green', summary),
  );
  return lines;
}

async function runDoctor(ctx: CommandContext): Promise<ExitCode> {
  const { io, out } = ctx;
  const checks = await diagnose({
    client: ctx.client(),
    dataDir: ctx.dataDir(),
    env: io.env,
    tokenGiven: ctx.client().hasToken,
    nodeVersion: process.version,
    now: () => new Date(),
    probeTimeoutMs: PORT_PROBE_TIMEOUT_MS,
  });
  const summary = summarize(checks);
  if (out.json) {
    out.data({
      ok: summary.ok,
      url: ctx.url(),
      checks,
      summary: { passed: summary.passed, warnings: summary.warnings, failed: summary.failed },
    });
  } else {
    out.line(`Codedance doctor: ${ctx.url()}`);
    out.line();
    out.lines(formatReport(out, checks));
  }
  return summary.ok ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

export function registerDoctor(program: Command, wrap: Wrap): void {
  program
    .command('doctor')
    .description(
      'Diagnose a Codedance installation in one command: server, token, store, disk, port, config, errors',
    )
    .addHelpText(
      'after',
      `
Checks, in order: node (Node.js version), server (GET /health), auth (an authenticated call),
store (reachable and migrated), disk (free space of the data folder), port (is another program
on it?), config (validate-config), log (recent errors). Each prints ✓, ! (warning) or ✗ with the
finding and, when not ✓, the fix. When the server cannot be reached, the data folder is read
directly: its config.json and the end of its log say why the server is not running.

Exits 0 when no check failed, 1 otherwise.

Examples:
  $ codedance doctor
  $ codedance doctor --data /var/lib/codedance
  $ codedance doctor --json | jq '.checks[] | select(.status != "pass")'`,
    )
    .action(wrap(runDoctor));
}
