import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { Service } from '@codedance/api';
import { isUnreachable } from '../client.js';
import type { CommandContext, Invocation, Wrap } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { UsageError } from '../failure.js';
import { allPages } from '../pages.js';

interface KillOptions {
  yes?: boolean;
}

/** Reads one line from standard input: the answer to a question, or null when input ends first. */
export function askLine(input: NodeJS.ReadableStream): Promise<string | null> {
  return new Promise((resolve) => {
    const lines = createInterface({ input, terminal: false });
    let answered = false;
    lines.once('line', (line) => {
      answered = true;
      lines.close();
      resolve(line);
    });
    lines.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}

/** Waits until the server no longer answers, up to `deadlineMs`; true when it has stopped. */
async function untilStopped(ctx: CommandContext, deadlineMs: number): Promise<boolean> {
  const end = performance.now() + deadlineMs;
  while (performance.now() < end) {
    try {
      await ctx.client().health();
    } catch (error) {
      if (isUnreachable(error)) return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function runKill(ctx: CommandContext, call: Invocation<KillOptions>): Promise<ExitCode> {
  const { out } = ctx;
  const services = await allPages<Service>(ctx.client(), '/api/services', 'services');
  const processes = services.reduce(
    (n, s) => n + s.instances.filter((i) => i.pid !== null).length,
    0,
  );
  if (call.options.yes !== true) {
    ctx.io.stderr.write(
      `This stops ${services.length} service(s) (${processes} process(es)), every running task run, ` +
        `every app's router and the server at ${ctx.url()}.\n` +
        'Definitions are kept: the next "codedance server" starts again what was running.\n' +
        'Stop everything? [y/N] ',
    );
    const answer = await askLine(ctx.io.stdin ?? process.stdin);
    if (answer === null) {
      throw new UsageError('no answer on standard input; add --yes to stop without asking.');
    }
    if (!/^y(es)?$/i.test(answer.trim())) {
      if (out.json) out.data({ killed: false });
      else out.line('nothing stopped');
      return EXIT_CODES.SUCCESS;
    }
  }
  const answer = await ctx
    .client()
    .request<{ pid: number }>('POST', '/api/server/kill', { body: { confirm: true } });
  const stopped = await untilStopped(ctx, 120_000);
  if (out.json)
    out.data({ killed: stopped, pid: answer.pid, services: services.length, processes });
  else if (stopped)
    out.line(
      `${out.mark('pass')} stopped ${processes} process(es) of ${services.length} service(s), task runs, routers and the server (pid ${answer.pid})`,
    );
  else out.line(`${out.mark('fail')} the server (pid ${answer.pid}) still answers after 120 s`);
  return stopped ? EXIT_CODES.SUCCESS : EXIT_CODES.FAILURE;
}

/** `codedance kill`: every workload and the server, as `pm2 kill`. */
export function registerKill(program: Command, wrap: Wrap): void {
  program
    .command('kill')
    .description('Stop every service, task run and router, then the server (asks first)')
    .option('-y, --yes', 'do not ask (for scripts)')
    .addHelpText(
      'after',
      `
Definitions and what each service is meant to do are kept: the next "codedance server"
starts again what was running. To stop services for good, use "codedance stop all".

Examples:
  $ codedance kill
  $ codedance kill --yes`,
    )
    .action(wrap(runKill));
}
