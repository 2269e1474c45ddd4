import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestBackend {
  readonly name: string;
  readonly address: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * A tiny backend: answers its name; `/status/NNN` answers that status;
 * `POST /echo` streams the body back; `/slow/MS` answers after MS ms.
 */
export async function startBackend(name: string): Promise<TestBackend> {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/echo') {
      res.writeHead(200, {
        'content-type': req.headers['content-type'] ?? 'application/octet-stream',
      });
      req.pipe(res);
      return;
    }
    if (url === '/headers') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(req.headers));
      return;
    }
    const status = /^\/status\/(\d{3})$/.exec(url);
    const slow = /^\/slow\/(\d+)$/.exec(url);
    const answer = () => {
      res.writeHead(status ? Number(status[1]) : 200, { 'content-type': 'text/plain' });
      res.end(name);
    };
    req.resume();
    if (slow) setTimeout(answer, Number(slow[1]));
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    address: `127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One request through a keep-alive agent; rejects only on a network error. */
export function request(
  port: number,
  options: {
    path?: string;
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string | Buffer;
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        agent,
        path: options.path ?? '/',
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: res.headers,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls `check` until it holds or the deadline passes. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  deadlineMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Sends requests at `rate` per second until `stop()` is called; collects
 * every outcome, so a test can assert that none failed.
 */
export function steadyLoad(port: number, rate: number) {
  const outcomes: { ok: boolean; body: string; status: number; error?: string }[] = [];
  const pending = new Set<Promise<void>>();
  const started = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * rate) / 1000);
    while (sent < due) {
      sent++;
      const call = request(port).then(
        (answer) => {
          outcomes.push({ ok: answer.status === 200, body: answer.body, status: answer.status });
        },
        (error: unknown) => {
          outcomes.push({ ok: false, body: '', status: 0, error: String(error) });
        },
      );
      pending.add(call);
      void call.finally(() => pending.delete(call));
    }
  }, 5);
  return {
    outcomes,
    get sent() {
      return sent;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return outcomes;
    },
  };
}

export function destroyClientAgent(): void {
  agent.destroy();
}
