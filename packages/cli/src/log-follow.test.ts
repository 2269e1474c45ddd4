import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LogEntry } from '@codedance/api';
import { followLogs } from './log-follow.js';
import type { Output } from './output.js';
import { bufferedOutput } from './test-support/output.js';

interface Connection {
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  socket: WebSocket;
  send(message: unknown): void;
}

/** A stand-in for the server's `/ws/logs` that hands each connection to the test. */
class LogSocketServer {
  readonly url: string;
  private readonly server: WebSocketServer;
  private readonly arrived: Connection[] = [];
  private waiting: ((connection: Connection) => void) | null = null;

  private constructor(server: WebSocketServer) {
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('connection', (socket, request) => {
      const connection: Connection = {
        query: new URL(request.url ?? '/', this.url).searchParams,
        headers: request.headers,
        socket,
        send: (message) => {
          socket.send(JSON.stringify(message));
        },
      };
      if (this.waiting === null) this.arrived.push(connection);
      else this.waiting(connection);
      this.waiting = null;
    });
  }

  /** With `refuseBatch`, answers a request for batches with 400, as a server without them does. */
  static start(options: { refuseBatch?: boolean } = {}): Promise<LogSocketServer> {
    return new Promise((resolve) => {
      const server = new WebSocketServer(
        {
          host: '127.0.0.1',
          port: 0,
          path: '/ws/logs',
          verifyClient: ({ req }, done) => {
            const batch = new URL(req.url ?? '/', 'http://x').searchParams.has('batch');
            if (options.refuseBatch === true && batch) done(false, 400);
            else done(true);
          },
        },
        () => {
          resolve(new LogSocketServer(server));
        },
      );
    });
  }

  nextConnection(): Promise<Connection> {
    const ready = this.arrived.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}

/** Entries `from`…`to` of one source as a `batch` message's run. */
function run(from: number, to: number): Omit<LogEntry, 'line'> & { count: number; text: string } {
  const { line: _line, ...shared } = entry(from);
  const lines = Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
  return { ...shared, count: lines.length, text: lines.join('\n') };
}

function entry(seq: number): LogEntry {
  return {
    seq,
    time: '2024-05-01T12:00:00.000Z',
    source: { kind: 'task', id: 'backup' },
    stream: 'stdout',
    level: 'INFO',
    line: `line ${seq}`,
  };
}

describe('followLogs', () => {
  let server: LogSocketServer;
  let stderr: () => string;
  let ctx: { url: () => string; out: Output };

  beforeEach(async () => {
    server = await LogSocketServer.start();
    const output = bufferedOutput();
    stderr = output.stderr;
    ctx = { url: () => server.url, out: output.out };
  });

  afterEach(() => server.close());

  it('asks for the filter after `since` with the token, and hands on each new line once', async () => {
    const listeners = process.listenerCount('SIGINT');
    const seen: number[] = [];
    const stop = new AbortController();
    const following = followLogs(ctx, {
      filter: new URLSearchParams({ kind: 'task', id: 'backup' }),
      token: 'secret-token',
      since: 5,
      droppedHint: 'they are in the log',
      onEntry: (e) => seen.push(e.seq),
      signal: stop.signal,
    });
    const connection = await server.nextConnection();
    expect(Object.fromEntries(connection.query)).toEqual({
      kind: 'task',
      id: 'backup',
      since: '5',
      batch: 'true',
    });
    expect(connection.headers.authorization).toBe('Bearer secret-token');
    connection.send({ type: 'ready', seq: 7 });
    for (const message of [
      { type: 'entry', entry: entry(5) },
      { type: 'entry', entry: entry(6) },
      { type: 'dropped', count: 3 },
      { type: 'entry', entry: entry(6) },
      { type: 'error', error: { code: 'CD_VALIDATION_FAILED', message: 'bad' } },
      { type: 'entry', entry: entry(7) },
    ])
      connection.send(message);
    await vi.waitFor(() => {
      expect(seen).toEqual([6, 7]);
    });
    stop.abort();
    await following;
    expect(stderr()).toBe('(3 lines were not delivered in time; they are in the log)\n');
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('reconnects after the connection drops, resuming after the last line seen', async () => {
    const seen: number[] = [];
    const stop = new AbortController();
    const following = followLogs(ctx, {
      filter: new URLSearchParams({ kind: 'service', id: 'api' }),
      token: undefined,
      since: null,
      droppedHint: 'see codedance logs api --lines N',
      onEntry: (e) => seen.push(e.seq),
      signal: stop.signal,
    });
    const first = await server.nextConnection();
    expect(first.query.has('since')).toBe(false);
    expect(first.headers.authorization).toBeUndefined();
    first.send({ type: 'ready', seq: 11 });
    first.send({ type: 'entry', entry: entry(10) });
    first.send({ type: 'entry', entry: entry(11) });
    await vi.waitFor(() => {
      expect(seen).toEqual([10, 11]);
    });
    first.socket.close();
    const second = await server.nextConnection();
    expect(second.query.get('since')).toBe('11');
    second.send({ type: 'entry', entry: entry(11) });
    second.send({ type: 'entry', entry: entry(12) });
    await vi.waitFor(() => {
      expect(seen).toEqual([10, 11, 12]);
    });
    stop.abort();
    await following;
    expect(stderr()).toBe(`(connection to ${server.url} lost; reconnecting)\n`);
  });

  it('reads batches as their entries, resumes after the last one and still reports drops', async () => {
    const seen: LogEntry[] = [];
    const stop = new AbortController();
    const following = followLogs(ctx, {
      filter: new URLSearchParams({ kind: 'task', id: 'backup' }),
      token: undefined,
      since: 2,
      droppedHint: 'they are in the log',
      onEntry: (e) => seen.push(e),
      signal: stop.signal,
    });
    const first = await server.nextConnection();
    expect(first.query.get('batch')).toBe('true');
    first.send({ type: 'batch', runs: [run(3, 5), { ...run(6, 6), level: 'ERROR' }] });
    first.send({ type: 'dropped', count: 4, fromSeq: 7, toSeq: 10 });
    // A batch that overlaps what was seen (a replay) adds only the entries not seen yet.
    first.send({ type: 'batch', runs: [run(5, 12)] });
    await vi.waitFor(() => {
      expect(seen.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    });
    expect(seen[3]).toEqual({ ...entry(6), level: 'ERROR' });
    first.socket.close();
    const second = await server.nextConnection();
    expect(second.query.get('since')).toBe('12');
    second.send({ type: 'entry', entry: entry(13) });
    await vi.waitFor(() => {
      expect(seen.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    });
    stop.abort();
    await following;
    expect(stderr()).toBe(
      '(4 lines were not delivered in time; they are in the log)\n' +
        `(connection to ${server.url} lost; reconnecting)\n`,
    );
  });

  it("says which of the server's limits closed the connection, and tries again", async () => {
    const stop = new AbortController();
    const following = followLogs(ctx, {
      filter: new URLSearchParams(),
      token: undefined,
      since: null,
      droppedHint: 'they are in the log',
      onEntry: () => undefined,
      signal: stop.signal,
    });
    const refused = await server.nextConnection();
    refused.socket.close(4429, 'too many live connections from your address (64)');
    const again = await server.nextConnection();
    again.send({ type: 'ready', seq: 0 });
    stop.abort();
    await following;
    expect(stderr()).toBe(
      `(connection to ${server.url} closed by the server: too many live connections from your address (64); reconnecting)\n`,
    );
  });

  it('asks again without batches when the server does not know them', async () => {
    const old = await LogSocketServer.start({ refuseBatch: true });
    const seen: number[] = [];
    const stop = new AbortController();
    const following = followLogs(
      { url: () => old.url, out: ctx.out },
      {
        filter: new URLSearchParams({ kind: 'task' }),
        token: undefined,
        since: 1,
        droppedHint: '',
        onEntry: (e) => seen.push(e.seq),
        signal: stop.signal,
      },
    );
    const connection = await old.nextConnection();
    expect(connection.query.has('batch')).toBe(false);
    expect(connection.query.get('since')).toBe('1');
    connection.send({ type: 'entry', entry: entry(2) });
    await vi.waitFor(() => {
      expect(seen).toEqual([2]);
    });
    stop.abort();
    await following;
    await old.close();
    expect(stderr()).toBe('');
  });

  it('returns at once, listening for nothing, when stopped before it starts', async () => {
    const listeners = process.listenerCount('SIGINT');
    const stop = new AbortController();
    stop.abort();
    await followLogs(ctx, {
      filter: new URLSearchParams(),
      token: undefined,
      since: null,
      droppedHint: '',
      onEntry: () => undefined,
      signal: stop.signal,
    });
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});
