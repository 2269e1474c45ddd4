import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { CommandContext, Invocation, Wrap } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';

/** Opens `url` in the person's browser with xdg-open; false when there is none. */
function openInBrowser(url: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('xdg-open', [url], { env, stdio: 'ignore', detached: true });
    child.once('error', () => {
      resolve(false);
    });
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

async function runDashboard(
  ctx: CommandContext,
  call: Invocation<{ open?: boolean }>,
): Promise<ExitCode> {
  const { out } = ctx;
  const link = await ctx.client().auth.loginLink();
  if (out.json) {
    out.data(link);
  } else {
    out.line(link.url);
    out.error(`This link signs one browser in, once, until ${link.expiresAt}.`);
  }
  if (call.options.open === true && !(await openInBrowser(link.url, ctx.io.env))) {
    out.error('xdg-open is not available here: open the link above in a browser.');
  }
  return EXIT_CODES.SUCCESS;
}

async function runRotate(ctx: CommandContext): Promise<ExitCode> {
  const { out } = ctx;
  const report = await ctx.client().auth.rotateAdminToken();
  if (out.json) {
    out.data(report);
    return EXIT_CODES.SUCCESS;
  }
  out.line(
    `Admin token rotated: ${report.sessionsEnded} dashboard session(s) ended, ${report.socketsClosed} live connection(s) closed.`,
  );
  if (report.file !== null) {
    out.line(`The new token is in ${report.file}; the CLI on this host reads it from there.`);
  }
  if (report.token !== null && ctx.credential().source !== report.file) {
    // The caller used a token it was given, so it needs the new one to go on.
    out.line(`New token: ${report.token}`);
  }
  return EXIT_CODES.SUCCESS;
}

/** `codedance dashboard` and `codedance token rotate`. */
export function registerAccess(program: Command, wrap: Wrap): void {
  program
    .command('dashboard')
    .description('Print a one-time sign-in link to the dashboard')
    .option('--open', 'also open it in the browser (xdg-open)')
    .addHelpText(
      'after',
      `
The link works once, for 10 minutes, and gives the browser that opens it a session (12 hours
idle, 7 days at most, by default). The CLI authenticates with the admin token it reads from the
data folder, so this works with no flags on the server's host.

Examples:
  $ codedance dashboard
  $ codedance dashboard --open`,
    )
    .action(wrap(runDashboard));

  const token = program.command('token').description('The admin token');
  token
    .command('rotate')
    .description('Replace the admin token: ends every dashboard session and live connection')
    .addHelpText(
      'after',
      `
Writes a new token to <data>/credentials/admin-token. A token set with CODEDANCE_ADMIN_TOKEN or
server.adminToken is changed where it is set instead (a change to config.json applies at once).`,
    )
    .action(wrap(runRotate));
}
