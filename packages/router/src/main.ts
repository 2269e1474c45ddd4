import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { groupName } from './group.js';
import { Peer } from './peer.js';
import { parseEndpoint, type Endpoint } from './process.js';

const USAGE = `usage: codedance-router --listen HOST:PORT --control SOCKET|HOST:PORT [options]

  --listen HOST:PORT       where traffic is accepted (port 0: any free port)
  --control SOCKET|H:P     the control API: a Unix socket path, or a TCP address
  --state FILE             keeps the last applied table, for a restart
  --timeout MS             time allowed until a backend's response headers (30000)
  --grace MS               how long in-flight requests may drain on SIGTERM (10000)
  --workers N|auto         processes serving traffic, each able to lead (2; auto: one per CPU, at least 2)
  --help                   this text

Prints one JSON line {"event":"ready",...} once it serves, and drains on SIGTERM or SIGINT.
`;

/** `--workers`: a positive count, or `auto` for one per available CPU (at least two). */
function groupSize(text: string | undefined): number {
  if (text === undefined) return 2;
  if (text === 'auto') return Math.max(2, availableParallelism());
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new Error(`--workers needs 1 to 64 or auto, got ${text}`);
  }
  return count;
}

function describe(endpoint: Endpoint): string {
  return 'path' in endpoint ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}

function milliseconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`--${name} needs a whole number of ms`);
  return value;
}

/**
 * `codedance-router --listen 127.0.0.1:8080 --control /run/cd-router.sock
 *  [--state routes.json] [--timeout 30000] [--grace 10000] [--workers N|auto]`
 *
 * The process started from the command line leads a group of `--workers`
 * processes that all serve the one listening socket (see `Peer`). `--peer`
 * and `--group` are given by a leader to the followers it starts.
 */
async function main(): Promise<void> {
  // Every process of the group accepts on one socket: taking one connection per wake-up,
  // rather than the whole queue, spreads a burst of connections over all of them. libuv
  // reads this when a socket first listens; the processes started from here inherit it.
  process.env['UV_TCP_SINGLE_ACCEPT'] ??= '1';
  const { values } = parseArgs({
    options: {
      listen: { type: 'string' },
      control: { type: 'string' },
      state: { type: 'string' },
      timeout: { type: 'string' },
      grace: { type: 'string' },
      workers: { type: 'string' },
      group: { type: 'string' },
      peer: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.listen === undefined || values.control === undefined) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const listen = parseEndpoint(values.listen);
  if ('path' in listen) throw new Error(`--listen needs HOST:PORT, got ${values.listen}`);
  const control = parseEndpoint(values.control);
  const timeoutMs = milliseconds('timeout', values.timeout);
  const peer = new Peer({
    listen,
    control,
    graceMs: milliseconds('grace', values.grace) ?? 10_000,
    size: groupSize(values.workers),
    group: values.group ?? groupName(control),
    ...(values.state === undefined ? {} : { statePath: values.state }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  const stop = () => {
    peer.stop(milliseconds('grace', values.grace) ?? 10_000);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (values.peer === true) {
    peer.join();
    return;
  }
  const started = await peer.found();
  // The group is complete, or as complete as it gets soon: serving starts either way.
  await peer.leadership?.sized(20_000);
  process.stdout.write(
    `${JSON.stringify({
      event: 'ready',
      pid: process.pid,
      listen: `${started.listen.host}:${started.listen.port}`,
      control: describe(started.control),
      workers: peer.leadership?.pids().length ?? 1,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `router: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
