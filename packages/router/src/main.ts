import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { startRouterWorkers } from './primary.js';
import { parseEndpoint, startRouter, type Endpoint } from './process.js';
import { runWorker } from './worker.js';

const USAGE =
  'usage: main.js --listen HOST:PORT --control SOCKET|HOST:PORT [--state FILE] [--timeout MS] [--grace MS] [--workers N|auto]\n';

/** `--workers`: a positive count, or `auto` for one per available CPU. */
function workerCount(text: string | undefined): number {
  if (text === undefined) return 1;
  if (text === 'auto') return availableParallelism();
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`--workers needs N ≥ 1 or auto, got ${text}`);
  return count;
}

/**
 * `node main.js --listen 127.0.0.1:8080 --control /run/cd-router.sock
 *  [--state routes.json] [--timeout 30000] [--grace 10000] [--workers N|auto]`
 *
 * Prints one JSON line `{"event":"ready",…}` once both listeners are up, and
 * drains in-flight requests before exiting on SIGTERM or SIGINT. With more
 * than one worker, this process is the primary: it owns the control API and
 * the state file, and the workers share the listening socket.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string' },
      control: { type: 'string' },
      state: { type: 'string' },
      timeout: { type: 'string' },
      grace: { type: 'string' },
      workers: { type: 'string' },
    },
  });
  if (values.listen === undefined || values.control === undefined) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  const listen = parseEndpoint(values.listen);
  if ('path' in listen) throw new Error(`--listen needs HOST:PORT, got ${values.listen}`);
  const workers = workerCount(values.workers);
  const grace = values.grace === undefined ? 10_000 : Number(values.grace);
  const options = {
    listen,
    control: parseEndpoint(values.control),
    ...(values.state === undefined ? {} : { statePath: values.state }),
    ...(values.timeout === undefined ? {} : { timeoutMs: Number(values.timeout) }),
  };
  const router =
    workers > 1
      ? await startRouterWorkers({ ...options, workers, graceMs: grace })
      : await startRouter(options);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    router.close(grace).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`router: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const control = describe(router.control);
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', pid: process.pid, listen: `${router.listen.host}:${router.listen.port}`, control, workers })}\n`,
  );
}

function describe(endpoint: Endpoint): string {
  return 'path' in endpoint ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}

if (cluster.isWorker) {
  runWorker();
} else {
  main().catch((error: unknown) => {
    process.stderr.write(
      `router: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
