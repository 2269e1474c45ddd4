import http from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A request as an HTTP server saw it: what a client must get back as its own answer. */
export interface SeenRequest {
  method: string;
  url: string;
  body: string;
}

/** Answers every request with the JSON of what it saw, with a length. */
export function echoSeen(
  seen: SeenRequest[],
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString('latin1'),
      };
      seen.push(request);
      const body = JSON.stringify(request);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  };
}

export interface RecordingBackend {
  readonly address: string;
  /** Every request the backend's HTTP server read, in order. */
  readonly seen: SeenRequest[];
  /** Every byte the backend received, over all connections, in arrival order. */
  bytes(): string;
  close(): Promise<void>;
}

function closeAll(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });
}

async function listenLocal(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/**
 * A backend that records the exact bytes it receives: a TCP relay that logs
 * them in front of a Node HTTP server answering with `echoSeen`.
 */
export async function recordingBackend(): Promise<RecordingBackend> {
  const seen: SeenRequest[] = [];
  const received: Buffer[] = [];
  const inner = http.createServer(echoSeen(seen));
  const innerPort = await listenLocal(inner);
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(innerPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      received.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('end', () => upstream.end());
    for (const socket of [client, upstream]) {
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  const port = await listenLocal(relay);
  return {
    address: `127.0.0.1:${port}`,
    seen,
    bytes: () => Buffer.concat(received).toString('latin1'),
    close: async () => {
      inner.closeAllConnections();
      await Promise.all([closeAll(relay, sockets), new Promise((resolve) => inner.close(resolve))]);
    },
  };
}

/**
 * A backend that answers each bodyless request with the raw bytes its path is
 * given in `script`, then closes the connection when the script says so.
 */
export async function scriptedBackend(
  script: Record<string, { raw: string; close?: boolean }>,
): Promise<{ address: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const path = head.split(' ')[1] ?? '';
        const step = script[path] ?? { raw: 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n' };
        socket.write(step.raw, 'latin1');
        if (step.close === true) socket.end();
      }
    });
  });
  const port = await listenLocal(server);
  return { address: `127.0.0.1:${port}`, close: () => closeAll(server, sockets) };
}

/** One response as it came over the wire. */
export interface WireAnswer {
  status: number;
  /** Lower-cased names; repeated ones joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

export interface WireExchange {
  /** Final responses, in order. */
  answers: WireAnswer[];
  /** Interim (1xx) responses, in order. */
  interim: number[];
  /** The server closed the connection. */
  closed: boolean;
}

/**
 * Reads responses off `text` from `at`: the next one, or undefined while it
 * is incomplete. A response without a length runs to the close.
 */
function nextAnswer(
  text: string,
  at: number,
  head: boolean,
  closed: boolean,
): { answer: WireAnswer; next: number } | undefined {
  const end = text.indexOf('\r\n\r\n', at);
  if (end === -1) return undefined;
  const lines = text.slice(at, end).split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let next = end + 4;
  if (head || status < 200 || status === 204 || status === 304) {
    return { answer: { status, headers, body: '' }, next };
  }
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    let body = '';
    for (;;) {
      const lineEnd = text.indexOf('\r\n', next);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(text.slice(next, lineEnd), 16);
      if (size === 0) {
        const trailerEnd = text.indexOf('\r\n\r\n', lineEnd);
        if (trailerEnd === -1) return undefined;
        return { answer: { status, headers, body }, next: trailerEnd + 4 };
      }
      if (text.length < lineEnd + 2 + size + 2) return undefined;
      body += text.slice(lineEnd + 2, lineEnd + 2 + size);
      next = lineEnd + 2 + size + 2;
    }
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    const size = Number(length);
    if (text.length < next + size) return undefined;
    return { answer: { status, headers, body: text.slice(next, next + size) }, next: next + size };
  }
  if (!closed) return undefined;
  return { answer: { status, headers, body: text.slice(next) }, next: text.length };
}

/**
 * Writes `pieces` on one connection, one write each (a pause between them,
 * so they arrive as separate reads), and reads responses until `expected`
 * final ones have come, the server closes, or `deadlineMs` passes. `methods`
 * tells which answers are to HEAD requests.
 */
export async function exchangeRaw(
  port: number,
  pieces: readonly (string | Buffer)[],
  options: { expected: number; methods?: readonly string[]; deadlineMs?: number },
): Promise<WireExchange> {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let text = '';
  let closed = false;
  const result: WireExchange = { answers: [], interim: [], closed: false };
  let at = 0;
  const parse = () => {
    for (;;) {
      const head = options.methods?.[result.answers.length] === 'HEAD';
      const found = nextAnswer(text, at, head, closed);
      if (found === undefined) return;
      at = found.next;
      if (found.answer.status < 200) result.interim.push(found.answer.status);
      else result.answers.push(found.answer);
    }
  };
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, options.deadlineMs ?? 3_000);
    const check = () => {
      parse();
      if (closed || result.answers.length >= options.expected) {
        clearTimeout(timer);
        resolve();
      }
    };
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      check();
    });
    socket.on('close', () => {
      closed = true;
      check();
    });
  });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  for (const piece of pieces) {
    if (socket.destroyed) break;
    socket.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await done;
  result.closed = closed;
  socket.destroy();
  return result;
}
