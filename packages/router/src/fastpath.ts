import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { kExchange, type ClientResponse, type Exchange } from './exchange.js';
import {
  HANDOFF,
  INCOMPLETE,
  MAX_FAST_HEAD,
  parseFastRequest,
  type FastRequest,
} from './request-head.js';

/**
 * The router's fast path for the commonest request there is: a bodyless
 * `GET` or `HEAD` over HTTP/1.1 with plain headers. It reads such requests
 * straight off the socket and writes the answer back in one go, without the
 * per-request objects and streams of Node's HTTP server. It only ever takes
 * a strict subset of what Node's parser accepts; the first request it does
 * not take, and everything after it on that connection, goes to Node's HTTP
 * server unchanged, which then has the last word on it.
 */

let dateSecond = -1;
let dateText = '';

/** The `Date` header value, computed once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

const LAST_CHUNK = '0\r\n\r\n';

/**
 * A response written straight to the client's socket. The head waits for
 * the first body bytes (or the end), so a small answer leaves in one write.
 */
export class FastResponse implements ClientResponse {
  headersSent = false;
  writableFinished = false;
  [kExchange]?: Exchange;
  private head: string | undefined = undefined;
  private chunked = false;
  private bodyless: boolean;

  constructor(
    private readonly client: ClientConnection,
    headRequest: boolean,
  ) {
    this.bodyless = headRequest;
  }

  writeHead(status: number, headers: string[]): this {
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    let length = false;
    let date = false;
    let connection = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] ?? '';
      head += `${name}: ${headers[i + 1] ?? ''}\r\n`;
      const size = name.length;
      if (size === 14 && name.toLowerCase() === 'content-length') length = true;
      else if (size === 4 && name.toLowerCase() === 'date') date = true;
      else if (size === 10 && name.toLowerCase() === 'connection') connection = true;
    }
    if (status === 204 || status === 304) this.bodyless = true;
    if (!date) head += `date: ${httpDate()}\r\n`;
    if (!length && !this.bodyless) {
      head += 'transfer-encoding: chunked\r\n';
      this.chunked = true;
    }
    if (this.client.closeAfter) {
      if (!connection) head += 'connection: close\r\n';
    } else if (connection) {
      this.client.closeAfter = true;
    } else {
      head += 'connection: keep-alive\r\nkeep-alive: timeout=65\r\n';
    }
    this.head = `${head}\r\n`;
    this.headersSent = true;
    return this;
  }

  writeInterim(status: number, headers: string[]): void {
    if (this.headersSent) return;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    this.client.socket.write(`${head}\r\n`, 'latin1');
  }

  write(chunk: Buffer): boolean {
    const socket = this.client.socket;
    if (this.bodyless || chunk.length === 0) {
      if (this.head === undefined) return true;
      const flowing = socket.write(this.head, 'latin1');
      this.head = undefined;
      return flowing;
    }
    socket.cork();
    if (this.head !== undefined) {
      socket.write(this.head, 'latin1');
      this.head = undefined;
    }
    let flowing: boolean;
    if (this.chunked) {
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      flowing = socket.write('\r\n', 'latin1');
    } else {
      flowing = socket.write(chunk);
    }
    socket.uncork();
    return flowing;
  }

  end(chunk?: Buffer | string): this {
    if (this.writableFinished) return this;
    const socket = this.client.socket;
    socket.cork();
    if (this.head !== undefined) {
      socket.write(this.head, 'latin1');
      this.head = undefined;
    }
    if (chunk !== undefined && chunk.length > 0 && !this.bodyless) {
      if (this.chunked) {
        socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        socket.write('\r\n', 'latin1');
      } else {
        socket.write(chunk);
      }
    }
    if (this.chunked) socket.write(LAST_CHUNK, 'latin1');
    socket.uncork();
    this.writableFinished = true;
    this.client.responseEnded(this);
    return this;
  }

  destroy(): this {
    this.client.socket.destroy();
    return this;
  }

  once(_event: 'drain', listener: () => void): this {
    this.client.socket.once('drain', () => {
      listener.call(this);
    });
    return this;
  }
}

/** What the fast path needs from the proxy. */
export interface FastPathHost {
  readonly closing: boolean;
  /** Routes and forwards one fast request; answers it itself if it cannot. */
  serveFast(client: ClientConnection, res: FastResponse, request: FastRequest): void;
  /** Books a finished (or abandoned) exchange. */
  complete(exchange: Exchange): void;
  /** Gives the socket (and the bytes not yet parsed) to Node's HTTP server. */
  handOff(socket: Socket, unparsed: Buffer | undefined): void;
  forgetClient(client: ClientConnection): void;
}

const kClient = Symbol('codedance.client');
type ClientSocket = Socket & { [kClient]?: ClientConnection | undefined };

/** One client connection on the fast path: one request at a time, in order. */
export class ClientConnection {
  readonly socket: ClientSocket;
  readonly remoteAddress: string;
  /** Close the connection once the current answer is out. */
  closeAfter = false;
  /** Since when (epoch ms) it has had no request in flight. */
  idleSince = Date.now();
  private pending: Buffer | undefined = undefined;
  private response: FastResponse | undefined = undefined;
  private serving = false;

  constructor(
    private readonly host: FastPathHost,
    socket: Socket,
  ) {
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.socket[kClient] = this;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  /** No request in flight. */
  get idle(): boolean {
    return this.response === undefined;
  }

  /** A request head has been partly received. */
  get waiting(): boolean {
    return this.response === undefined && this.pending !== undefined;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** @internal */
  handleData(chunk: Buffer): void {
    this.pending = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    if (this.response !== undefined) {
      // Pipelined: the next request waits for this answer; do not let it pile up.
      if (this.pending.length > 2 * MAX_FAST_HEAD) this.socket.pause();
      return;
    }
    this.serveNext();
  }

  /** Serves the buffered requests one after another, until one is still in flight. */
  private serveNext(): void {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.response === undefined && this.pending !== undefined) {
        if (this.socket.destroyed) return;
        const data = this.pending;
        const parsed = parseFastRequest(data, 0);
        if (parsed === INCOMPLETE) return;
        if (parsed === HANDOFF) {
          this.handOff();
          return;
        }
        this.pending = parsed.next < data.length ? data.subarray(parsed.next) : undefined;
        if (parsed.close) this.closeAfter = true;
        const res = new FastResponse(this, parsed.method === 'HEAD');
        this.response = res;
        this.host.serveFast(this, res, parsed);
      }
    } finally {
      this.serving = false;
    }
  }

  /** @internal The answer in flight has been written out in full. */
  responseEnded(res: FastResponse): void {
    if (res !== this.response) return;
    this.response = undefined;
    this.idleSince = Date.now();
    const exchange = res[kExchange];
    if (exchange !== undefined) this.host.complete(exchange);
    if (this.closeAfter || this.host.closing) {
      this.socket.end();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    this.serveNext();
  }

  private handOff(): void {
    const socket = this.socket;
    socket.off('data', onSocketData);
    socket.off('end', onSocketEnd);
    socket.off('error', onSocketError);
    socket.off('close', onSocketClose);
    socket[kClient] = undefined;
    this.host.forgetClient(this);
    const unparsed = this.pending;
    this.pending = undefined;
    this.host.handOff(socket, unparsed);
  }

  /**
   * @internal The client closed its side. As with Node's HTTP server (without
   * `httpAllowHalfOpen`), a request still in flight counts as abandoned.
   */
  handleEnd(): void {
    if (this.response === undefined) this.socket.end();
    else this.socket.destroy();
  }

  /** @internal */
  handleClose(): void {
    this.host.forgetClient(this);
    const res = this.response;
    this.response = undefined;
    const exchange = res?.[kExchange];
    if (exchange !== undefined) this.host.complete(exchange);
  }
}

function onSocketData(this: ClientSocket, chunk: Buffer): void {
  this[kClient]?.handleData(chunk);
}

function onSocketEnd(this: ClientSocket): void {
  this[kClient]?.handleEnd();
}

function onSocketError(): void {
  // A reset by the client; 'close' follows and books what was in flight.
}

function onSocketClose(this: ClientSocket): void {
  this[kClient]?.handleClose();
}
