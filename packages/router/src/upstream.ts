import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ResponseParser, type ResponseSink } from './response-parser.js';

/** Why an upstream exchange ended without a complete response. */
export interface UpstreamFailure {
  /** `ECONNREFUSED`, `ECONNRESET`, `EPIPE`, `UPSTREAM_CLOSED`, `UPSTREAM_PROTOCOL`, … */
  code: string;
  /** Some of the response had arrived. */
  started: boolean;
}

/** One request as the upstream side sees it; the proxy's exchange. */
export interface UpstreamRequest extends ResponseSink {
  readonly method: string;
  /** Request line and headers, CRLF-terminated, ready to write. */
  readonly head: string;
  /** The client request to stream as the body, or `undefined` for none. */
  readonly body: IncomingMessage | undefined;
  /** Send the body with chunked framing (the client sent it that way). */
  readonly chunked: boolean;
  /** The connection it runs on, while it does. */
  connection: UpstreamConnection | undefined;
  /** The request was abandoned while it waited for a connection. */
  readonly cancelled: boolean;
  onUpstreamError(failure: UpstreamFailure): void;
}

const kConnection = Symbol('codedance.upstream');
type Carrier = { [kConnection]?: UpstreamConnection | undefined };
const LAST_CHUNK = '0\r\n\r\n';
/**
 * Every upstream connection reads into this one buffer, which spares an
 * allocation and a stream push per read. Reads are handled synchronously,
 * and whatever outlives one (a partial head, a body chunk handed to the
 * client) is copied out of it first.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * One keep-alive connection to a backend. Its socket listeners are set
 * once, so a request on a reused connection adds none.
 */
export class UpstreamConnection implements ResponseSink {
  readonly socket: Socket & Carrier;
  private readonly parser = new ResponseParser();
  private request: UpstreamRequest | undefined = undefined;
  private requestSent = true;
  private responseDone = false;
  private error: string | undefined = undefined;
  /** When it last became idle (ms, the pool's clock). */
  idleSince = 0;

  constructor(private readonly pool: UpstreamPool) {
    this.socket = connect({
      host: pool.host,
      port: pool.port,
      noDelay: true,
      onread: {
        buffer: READ_BUFFER,
        callback: (size: number) => {
          this.handleData(READ_BUFFER.subarray(0, size));
          // Back-pressure goes through pause() and resume(), as for any socket.
          return true;
        },
      },
    });
    this.socket[kConnection] = this;
    this.socket.on('drain', onSocketDrain);
    this.socket.on('error', onSocketError);
    this.socket.on('close', onSocketClose);
  }

  /** Writes the request (a socket still connecting buffers it) and waits for the answer. */
  send(request: UpstreamRequest): void {
    this.request = request;
    request.connection = this;
    this.responseDone = false;
    this.parser.expect(this, request.method);
    const socket = this.socket;
    const body = request.body;
    if (body === undefined) {
      this.requestSent = true;
      socket.write(request.head, 'latin1');
      return;
    }
    this.requestSent = false;
    socket.write(request.head, 'latin1');
    const carrier = body as IncomingMessage & Carrier;
    carrier[kConnection] = this;
    body.on('data', onBodyData);
    body.on('end', onBodyEnd);
  }

  /** Stops reading the response until `resume` (the client is slow). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Drops the connection; a request still on it gets no more callbacks. */
  destroy(): void {
    this.parser.detach();
    this.release();
    this.socket.destroy();
  }

  onInterim(status: number, headers: string[]): void {
    this.request?.onInterim?.(status, headers);
  }

  onResponseHead(status: number, headers: string[]): void {
    this.request?.onResponseHead(status, headers);
  }

  onResponseBody(chunk: Buffer): void {
    this.request?.onResponseBody(Buffer.from(chunk));
  }

  onResponseEnd(last?: Buffer): void {
    this.responseDone = true;
    this.request?.onResponseEnd(last === undefined ? undefined : Buffer.from(last));
  }

  /** Hands the connection back once the exchange on it is over. */
  private settle(): void {
    if (!this.responseDone || this.request === undefined) return;
    if (this.parser.keepAlive && this.requestSent && !this.socket.destroyed) {
      this.release();
      this.pool.reuse(this);
    } else {
      this.destroy();
    }
  }

  private release(): void {
    const request = this.request;
    if (request === undefined) return;
    this.request = undefined;
    request.connection = undefined;
    const body = request.body;
    if (body !== undefined) {
      body.off('data', onBodyData);
      body.off('end', onBodyEnd);
      (body as IncomingMessage & Carrier)[kConnection] = undefined;
      if (body.isPaused()) body.resume();
    }
    // A slow client may have paused reading; the next request must not inherit that.
    if (this.socket.isPaused()) this.socket.resume();
  }

  /** @internal */
  handleData(chunk: Buffer): void {
    if (this.request === undefined) {
      // Bytes nobody asked for: the connection cannot be trusted any more.
      this.socket.destroy();
      return;
    }
    try {
      this.parser.execute(chunk);
    } catch {
      this.fail('UPSTREAM_PROTOCOL');
      return;
    }
    this.settle();
  }

  /** @internal */
  handleBodyData(body: IncomingMessage, chunk: Buffer): void {
    const socket = this.socket;
    let flowing: boolean;
    if (this.request?.chunked === true) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      flowing = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      flowing = socket.write(chunk);
    }
    if (!flowing) body.pause();
  }

  /** @internal */
  handleBodyEnd(): void {
    if (this.request?.chunked === true) this.socket.write(LAST_CHUNK, 'latin1');
    this.requestSent = true;
    this.settle();
  }

  /** @internal */
  handleDrain(): void {
    const body = this.request?.body;
    if (body?.isPaused() === true) body.resume();
  }

  /** @internal */
  handleError(error: NodeJS.ErrnoException): void {
    this.error ??= error.code ?? 'ECONNRESET';
  }

  /** @internal */
  handleClose(): void {
    this.pool.forget(this);
    const request = this.request;
    if (request === undefined) return;
    if (!this.responseDone && this.error === undefined && this.parser.finishAtClose()) {
      this.release();
      return;
    }
    this.fail(this.error ?? 'UPSTREAM_CLOSED');
  }

  private fail(code: string): void {
    const request = this.request;
    const started = this.parser.started;
    this.destroy();
    if (request !== undefined && !this.responseDone) request.onUpstreamError({ code, started });
  }
}

function onSocketDrain(this: Socket & Carrier): void {
  this[kConnection]?.handleDrain();
}

function onSocketError(this: Socket & Carrier, error: NodeJS.ErrnoException): void {
  this[kConnection]?.handleError(error);
}

function onSocketClose(this: Socket & Carrier): void {
  this[kConnection]?.handleClose();
}

function onBodyData(this: IncomingMessage & Carrier, chunk: Buffer): void {
  this[kConnection]?.handleBodyData(this, chunk);
}

function onBodyEnd(this: IncomingMessage & Carrier): void {
  this[kConnection]?.handleBodyEnd();
}

/**
 * Keep-alive connections to one backend: idle ones are reused newest first,
 * at most `maxConnections` are open, and requests beyond that wait in line.
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: UpstreamRequest[] = [];
  private open = 0;
  private closed = false;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly maxConnections: number,
    private readonly now: () => number,
  ) {}

  /** Open connections (idle and busy). */
  get size(): number {
    return this.open;
  }

  /** Sends `request` on an idle connection, a new one, or once one frees up. */
  request(request: UpstreamRequest): void {
    const idle = this.idle.pop();
    if (idle !== undefined) {
      idle.send(request);
    } else if (this.open < this.maxConnections) {
      this.open++;
      new UpstreamConnection(this).send(request);
    } else {
      this.waiting.push(request);
    }
  }

  /** @internal A connection finished an exchange and may serve another. */
  reuse(connection: UpstreamConnection): void {
    const next = this.nextWaiting();
    if (next !== undefined) {
      connection.send(next);
      return;
    }
    if (this.closed) {
      connection.destroy();
      return;
    }
    connection.idleSince = this.now();
    this.idle.push(connection);
  }

  /** @internal A connection closed. */
  forget(connection: UpstreamConnection): void {
    this.open--;
    const at = this.idle.indexOf(connection);
    if (at !== -1) this.idle.splice(at, 1);
    const next = this.nextWaiting();
    if (next !== undefined) {
      this.open++;
      new UpstreamConnection(this).send(next);
    }
  }

  private nextWaiting(): UpstreamRequest | undefined {
    // The line only forms when every connection is busy, so it stays short.
    let next = this.waiting.shift();
    while (next?.cancelled === true) next = this.waiting.shift();
    return next;
  }

  /** Closes connections idle for longer than `maxIdleMs`. */
  closeIdle(maxIdleMs: number): void {
    const limit = this.now() - maxIdleMs;
    // Oldest first: the list is pushed in the order connections became idle.
    while (this.idle.length > 0 && (this.idle[0]?.idleSince ?? 0) <= limit) {
      this.idle.shift()?.destroy();
    }
  }

  /** Closes idle connections now and busy ones as they finish. */
  close(): void {
    this.closed = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
  }
}
