import { parseArgs } from 'node:util';
import { parseEndpoint, startRouter } from './process.js';

/**
 * `node main.js --listen 127.0.0.1:8080 --control /run/cd-router.sock
 *  [--state routes.json] [--timeout 30000] [--grace 10000]`
 *
 * Prints one JSON line `{"event":"ready",…}` once both listeners are up, and
 * drains in-flight requests before exiting on SIGTERM or SIGINT.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string' },
      control: { type: 'string' },
      state: { type: 'string' },
      timeout: { type: 'string' },
      grace: { type: 'string' },
    },
  });
  if (values.listen === undefined || values.control === undefined) {
    process.stderr.write(
      'usage: main.js --listen HOST:PORT --control SOCKET|HOST:PORT [--state FILE] [--timeout MS] [--grace MS]\n',
    );
    process.exit(2);
  }
  const listen = parseEndpoint(values.listen);
  if ('path' in listen) throw new Error(`--listen needs HOST:PORT, got ${values.listen}`);
  const router = await startRouter({
    listen,
    control: parseEndpoint(values.control),
    ...(values.state === undefined ? {} : { statePath: values.state }),
    ...(values.timeout === undefined ? {} : { timeoutMs: Number(values.timeout) }),
  });
  const grace = values.grace === undefined ? 10_000 : Number(values.grace);
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
  const control =
    'path' in router.control
      ? router.control.path
      : `${router.control.host}:${router.control.port}`;
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', pid: process.pid, listen: `${router.listen.host}:${router.listen.port}`, control })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `router: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
