import { constants } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext, Invocation, Wrap } from '../context.js';
import { EXIT_CODES, type ExitCode } from '../exit-codes.js';
import { describeError, reportError } from '../failure.js';

interface ServerOptions {
  host?: string;
  port?: number;
  store?: string;
  demo?: boolean | number;
}

/** The demo shop's public port when `--demo` is given without one. */
export const DEMO_PORT = 8180;

/** `--port`: an integer 0–65535; 0 asks the system for a free port. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) {
    throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  }
  return port;
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

/** The command-line layer of the configuration: only what was actually given. */
export function serverFlags(options: ServerOptions): {
  server?: { host?: string; port?: number };
  store?: { url?: string };
} {
  const server = {
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
  };
  return {
    ...(Object.keys(server).length === 0 ? {} : { server }),
    ...(options.store === undefined ? {} : { store: { url: options.store } }),
  };
}

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Keeps V8's young generation at its starting size (1 MB semi-spaces) for the
 * life of the server, unless its size was set with a Node option. Left alone
 * it grows to 16 MB semi-spaces while the server loads and never gives the
 * memory back: about 30 MB of a resident set of 120 MB. The price is more
 * garbage-collector work under heavy allocation, such as a burst of log
 * lines. Node takes `--max-semi-space-size` only at its start, but V8 reads
 * the growth factor whenever it would grow, so this runs before the server's
 * modules are loaded.
 */
function keepYoungGenerationSmall(env: NodeJS.ProcessEnv): void {
  const given = [...process.execArgv, env.NODE_OPTIONS ?? ''].some((flag) =>
    /semi[-_]space/.test(flag),
  );
  if (!given) setFlagsFromString('--semi-space-growth-factor=1');
}

async function runServer(ctx: CommandContext, call: Invocation<ServerOptions>): Promise<ExitCode> {
  const { out, io } = ctx;
  const dataDir = ctx.dataDir();
  keepYoungGenerationSmall(io.env);
  // Loaded here, not at the top: the server pulls in Fastify and the store
  // drivers, which every other command would otherwise pay for at startup.
  const { startServer } = await import('@codedance/server');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    const { demo } = call.options;
    server = await startServer({
      dataDir,
      flags: serverFlags(call.options),
      env: io.env,
      ...(demo === undefined || demo === false
        ? {}
        : { demo: { port: demo === true ? DEMO_PORT : demo } }),
    });
  } catch (error) {
    reportError(out, error);
    return describeError(error).code === 'CD_INVALID_CONFIG'
      ? EXIT_CODES.CONFIG
      : EXIT_CODES.FAILURE;
  }
  if (out.json) out.event({ event: 'listening', url: server.url, dataDir: server.dataDir });
  else out.line(`Codedance listening on ${server.url} (data: ${server.dataDir})`);
  // The link signs one browser in once; stderr keeps it out of anything that records stdout.
  out.error(`Dashboard: ${server.loginLink().url}  (sign-in link: works once, for 10 minutes)`);
  if (server.credentialFile !== null) {
    out.error(
      `API token: ${server.credentialFile} (the CLI on this host reads it; run "codedance dashboard" for a new link)`,
    );
  }
  if (call.options.demo !== undefined && call.options.demo !== false && !out.json) {
    const port = call.options.demo === true ? DEMO_PORT : call.options.demo;
    out.line(
      `Demo: the shop app answers on http://127.0.0.1:${port}/ — watch its releases with "codedance rollout list" or GET ${server.url}/api/deployments`,
    );
  }

  const running = server;
  return new Promise<ExitCode>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal means "now": the person has given up on a clean stop.
        process.exit(128 + constants.signals[signal]);
      }
      stopping = true;
      if (!out.json) out.error(`${signal} received: stopping (send it again to stop at once)`);
      running.close(signal).then(
        () => {
          if (out.json) out.event({ event: 'stopped', signal });
          finish(EXIT_CODES.SUCCESS);
        },
        (error: unknown) => {
          reportError(out, error);
          finish(EXIT_CODES.FAILURE);
        },
      );
    };
    const finish = (code: ExitCode): void => {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
      resolve(code);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    // `codedance kill` stops the server through its API: the process ends with it.
    void running.closed.then((reason) => {
      if (stopping) return;
      if (out.json) out.event({ event: 'stopped', reason });
      else out.error(`stopped (${reason === 'kill' ? 'codedance kill' : reason})`);
      finish(EXIT_CODES.SUCCESS);
    });
  });
}

export function registerServer(program: Command, wrap: Wrap): void {
  program
    .command('server')
    .description('Run the Codedance server in this process (API, store, monitoring)')
    .option(
      '--host <host>',
      'address to listen on (default 127.0.0.1; other hosts need CODEDANCE_ADMIN_TOKEN)',
      nonEmpty,
    )
    .option('--port <port>', 'port to listen on; 0 picks a free one (default 8100)', parsePort)
    .option(
      '--demo [port]',
      `also run the demo: the bundled shop app on [port] (default ${DEMO_PORT}) under a gentle load, a healthy canary and a faulty one rolled back`,
      parsePort,
    )
    .option(
      '--store <url>',
      'store URL: sqlite:<file>, postgres://…, redis://… (default a SQLite file in the data folder)',
      nonEmpty,
    )
    .addHelpText(
      'after',
      `
Prints "Codedance listening on <url> (data: <dir>)" once it accepts requests (with --json, the
line {"event":"listening","url":…,"dataDir":…}), and on stderr a one-time sign-in link for the
dashboard ("Dashboard: <url>/login?code=…"; "codedance dashboard" prints a new one). Every request
needs the admin token: CODEDANCE_ADMIN_TOKEN when set, otherwise one the server generates in
<data>/credentials/admin-token (readable by this user only), which the CLI reads by itself. SIGTERM or Ctrl-C stops it cleanly and exits 0;
a second signal exits at once (128 + signal number). Exits 78 when the configuration cannot be
used (each problem is listed with its path).

Flags outrank environment variables (CODEDANCE_HOST, CODEDANCE_PORT, CODEDANCE_STORE, …), which
outrank <data>/config.json.

Examples:
  $ codedance server
  $ codedance server --port 0 --data /tmp/cd
  $ codedance server --store postgres://codedance@127.0.0.1:5432/codedance
  $ CODEDANCE_ADMIN_TOKEN=$(openssl rand -hex 24) codedance server --host 0.0.0.0`,
    )
    .action(wrap(runServer));
}
