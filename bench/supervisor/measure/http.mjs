// Judges readiness the same way for every supervisor: by asking the service.
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delay, now } from './wait.mjs';

/** GET / on 127.0.0.1:port; resolves { status, body } or null when nothing answers. */
export function probe(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * Polls one port every `everyMs` until it answers 200 and `accept(body)`
 * holds; resolves the time (performance.now) of that answer.
 */
export async function answered(
  port,
  { everyMs = 10, timeoutMs = 60_000, accept = () => true, signal } = {},
) {
  const deadline = now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    const answer = await probe(port);
    if (answer?.status === 200 && accept(answer.body)) return now();
    if (now() > deadline) throw new Error(`port ${port} did not answer 200 within ${timeoutMs} ms`);
    await delay(everyMs);
  }
}

/** True when nothing listens on 127.0.0.1:port. */
export function isFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first `base` from `from` (in steps of `count`) with `count` free ports,
 * all below the ephemeral range: a port the kernel may hand to an outgoing
 * connection (a probe, a supervisor's health check) can be taken by one at
 * any moment, and a service binding it then fails with EADDRINUSE.
 */
export async function freePortBlock(count, from = 21_000) {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(
    () => '32768',
  );
  const ephemeral = Number(range.trim().split(/\s+/)[0]);
  for (let base = from; base + count <= ephemeral; base += count) {
    let free = true;
    for (let port = base; port < base + count && free; port += 1) free = await isFree(port);
    if (free) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}
