import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ROUTER_ERRORS, errorBody, type RouterErrorCode } from './errors.js';
import {
  Exchange,
  RoutedRequest,
  kExchange,
  type ClientResponse,
  type ExchangeCarrier,
} from './exchange.js';
import { ClientConnection, type FastPathHost, type FastResponse } from './fastpath.js';
import { requestHead } from './headers.js';
import type { FastRequest } from './request-head.js';
import { PROXY_ERROR, type RouterStats } from './stats.js';
import { EMPTY_TABLE, type RouteTable } from './table.js';
import { UpstreamPool, type UpstreamFailure } from './upstream.js';
import {
  chooseVersion,
  compileTable,
  pickBackend,
  stickyVersion,
  type RoutingState,
} from './weights.js';
import { Tunnel, type TunnelHost } from './upgrade.js';

/** The errors the data plane answers with itself. */
export type ProxyErrorCode = Extract<
  RouterErrorCode,
  'CD_BAD_GATEWAY' | 'CD_GATEWAY_TIMEOUT' | 'CD_NO_ROUTE' | 'CD_BAD_REQUEST'
>;

export interface ProxyOptions {
  stats: RouterStats;
  /** Time allowed until the backend's response headers arrive (ms). */
  timeoutMs?: number;
  /** How long a backend that refused a connection is skipped (ms). */
  downMs?: number;
  /** Connections per backend. */
  maxSockets?: number;
  /** Idle backend connections are closed after this long (ms). */
  idleMs?: number;
  table?: RouteTable;
}

/** Marks a client connection on which a request was refused. */
const kRefused = Symbol('codedance.refused');

/** Idle client connections are closed after this long, as Node's server does (ms). */
const CLIENT_KEEP_ALIVE_MS = 65_000;
/** A client has this long to send a whole request head, as with Node's server (ms). */
const CLIENT_HEADERS_MS = 60_000;

/** Node's response, able to pass on the interim answers Node has a way to send. */
class RouterResponse extends http.ServerResponse implements ClientResponse {
  writeInterim(status: number, headers: string[]): void {
    // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client.
    if (this.headersSent || this.req.httpVersionMinor === 0) return;
    if (status === 102) {
      this.writeProcessing();
      return;
    }
    if (status !== 103) return;
    const hints: Record<string, string | string[]> = {};
    for (let i = 0; i < headers.length; i += 2) {
      const name = (headers[i] ?? '').toLowerCase();
      const value = headers[i + 1] ?? '';
      const known = hints[name];
      hints[name] =
        known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
    }
    try {
      this.writeEarlyHints(hints);
    } catch {
      // A Link value Node will not send: the hints are only hints.
    }
  }
}

function onClientClose(this: ServerResponse & ExchangeCarrier): void {
  const ex = this[kExchange];
  if (ex !== undefined) ex.proxy.complete(ex);
}

/**
 * The data plane: a streaming HTTP/1.1 reverse proxy that splits traffic
 * between versions by weight and records what every version answered.
 * Plain bodyless GET and HEAD requests take the fast path; any other request
 * (and the rest of its connection) is parsed by Node's HTTP server. Backends
 * are reached over pooled keep-alive connections.
 */
export class RouterProxy implements FastPathHost, TunnelHost {
  readonly stats: RouterStats;
  readonly timeoutMs: number;
  readonly downMs: number;
  closing = false;
  /**
   * Node's HTTP server. It is given every accepted connection, but the fast
   * path sees it first; Node's own connection handling only starts at the
   * hand-over. It never listens itself: `listeners` accept.
   */
  private readonly server: http.Server<typeof IncomingMessage, typeof RouterResponse>;
  private readonly takeOver: ((socket: Socket) => void)[];
  private readonly clients = new Set<ClientConnection>();
  private readonly listeners = new Set<Server>();
  private state: RoutingState;
  private readonly pools = new Map<string, UpstreamPool>();
  private readonly maxSockets: number;
  private readonly idleMs: number;
  private readonly inflight = new Set<Exchange>();
  /** Upgraded connections (WebSockets): not in flight, they only end when a side closes. */
  private readonly tunnels = new Set<Tunnel>();
  private readonly sweeper: NodeJS.Timeout;
  private drained: (() => void) | undefined;

  constructor(options: ProxyOptions) {
    this.stats = options.stats;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.downMs = options.downMs ?? 1_000;
    this.maxSockets = options.maxSockets ?? 1024;
    // Below the 5 s keep-alive timeout of Node's (and many other) servers,
    // so the backend is rarely the side that closes an idle connection.
    this.idleMs = options.idleMs ?? 3_000;
    this.state = compileTable(options.table ?? EMPTY_TABLE);
    this.server = http.createServer(
      { keepAliveTimeout: CLIENT_KEEP_ALIVE_MS, ServerResponse: RouterResponse },
      (req, res) => {
        this.handle(req, res);
      },
    );
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      this.upgrade(req, socket, head);
    });
    // Node's listener would start parsing at once: it runs at the hand-over instead.
    const server = this.server;
    this.takeOver = server.listeners('connection').map((listener) => (socket: Socket) => {
      Reflect.apply(listener, server, [socket]);
    });
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      this.clients.add(new ClientConnection(this, socket));
    });
    this.sweeper = setInterval(
      () => {
        this.sweep();
      },
      Math.min(1000, Math.max(10, this.timeoutMs / 4)),
    );
    this.sweeper.unref();
  }

  get table(): RouteTable {
    return this.state.table;
  }

  /**
   * Replaces the routing table in one assignment; in-flight requests are
   * unaffected. Connections to backends no longer listed close once idle.
   */
  setTable(table: RouteTable): void {
    this.state = compileTable(table);
    const live = new Set(this.state.versions.flatMap((v) => v.backends.map((b) => b.address)));
    for (const [address, pool] of this.pools) {
      if (live.has(address)) continue;
      this.pools.delete(address);
      pool.close();
    }
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  /** Open backend connections, per backend address. */
  connections(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [address, pool] of this.pools) counts[address] = pool.size;
    return counts;
  }

  /** Listens on a socket of its own; see `attach` for one shared with other processes. */
  async listen(port: number, host: string): Promise<AddressInfo> {
    const listener = createServer();
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, host, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    this.attach(listener);
    return listener.address() as AddressInfo;
  }

  /**
   * Serves the connections a listening server accepts. Several processes
   * can each attach a server on the same listening socket: the kernel gives
   * each connection to one of them.
   */
  attach(listener: Server): void {
    this.listeners.add(listener);
    listener.on('connection', (socket: Socket) => {
      this.server.emit('connection', socket);
    });
  }

  /** A request Node's HTTP server parsed (any method, maybe with a body). */
  private handle(req: IncomingMessage, res: RouterResponse): void {
    const ex = new Exchange(this, req.method ?? 'GET', res, req);
    const routed = this.route(ex, req.url ?? '/', req.rawHeaders, req.socket.remoteAddress ?? '');
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (ex.chunked && req.httpVersionMinor === 0 && req.httpVersionMajor === 1) {
      ex.refusal = 'Transfer-Encoding in an HTTP/1.0 request';
    }
    const socket = req.socket as Socket & { [kRefused]?: true };
    if (ex.refusal !== undefined || socket[kRefused] === true) {
      // Nothing after a refused request on this connection is forwarded: its
      // framing cannot be trusted to end where Node's parser thought it did.
      // A request already parsed behind it gets no answer: the refusal closes the connection.
      if (ex.refusal !== undefined && socket[kRefused] !== true) {
        socket[kRefused] = true;
        sendError(res, 'CD_BAD_REQUEST', true, { reason: ex.refusal });
      }
      return;
    }
    if (!routed) {
      req.resume();
      sendError(res, 'CD_NO_ROUTE', this.closing);
      return;
    }
    (res as ServerResponse & ExchangeCarrier)[kExchange] = ex;
    this.inflight.add(ex);
    res.on('close', onClientClose);
    this.forward(ex);
  }

  /** An `Upgrade` request: routed like any other, then tunnelled (see `Tunnel`). */
  private upgrade(req: IncomingMessage, socket: Socket, early: Buffer): void {
    const protocol = req.headers.upgrade ?? '';
    const tunnel = new Tunnel(this, req.method ?? 'GET', socket, protocol);
    const routed = this.route(tunnel, req.url ?? '/', req.rawHeaders, socket.remoteAddress ?? '');
    if (tunnel.refusal !== undefined || tunnel.hasBody) {
      tunnel.fail('CD_BAD_REQUEST', { reason: tunnel.refusal ?? 'a body in an Upgrade request' });
      return;
    }
    if (!routed || this.closing) {
      tunnel.fail('CD_NO_ROUTE');
      return;
    }
    const backend = pickBackend(tunnel.version, Date.now());
    if (backend === undefined) {
      tunnel.fail('CD_BAD_GATEWAY', { version: tunnel.version.version });
      return;
    }
    this.tunnels.add(tunnel);
    tunnel.open(backend, early);
  }

  /** @internal */
  forgetTunnel(tunnel: Tunnel): void {
    this.tunnels.delete(tunnel);
  }

  /** @internal A request the fast path read. */
  serveFast(client: ClientConnection, res: FastResponse, request: FastRequest): void {
    const ex = new Exchange(this, request.method, res);
    // The fast path only takes heads with one Host, no framing and plain Connection values.
    if (!this.route(ex, request.url, request.raw, client.remoteAddress)) {
      sendError(res, 'CD_NO_ROUTE', this.closing);
      return;
    }
    res[kExchange] = ex;
    this.inflight.add(ex);
    this.forward(ex);
  }

  /** @internal Node's HTTP server takes over the connection from here. */
  handOff(socket: Socket, unparsed: Buffer | undefined): void {
    if (unparsed !== undefined) socket.unshift(unparsed);
    for (const takeOver of this.takeOver) takeOver(socket);
    if (socket.isPaused()) socket.resume();
  }

  /** @internal */
  forgetClient(client: ClientConnection): void {
    this.clients.delete(client);
  }

  /** Builds the backend request and picks the version; false when it is refused or nothing is routed. */
  private route(
    ex: RoutedRequest & { readonly method: string },
    url: string,
    raw: readonly string[],
    remote: string,
  ): boolean {
    const state = this.state;
    ex.head = requestHead(ex.method, url, raw, remote, ex);
    if (ex.refusal !== undefined) return false;
    const sticky = state.sticky ? stickyVersion(state, ex.cookie) : undefined;
    const version = chooseVersion(state, ex.canary, sticky);
    if (version === undefined) return false;
    ex.version = version;
    ex.setCookie = state.sticky && version !== sticky;
    return true;
  }

  /** Sends the request to a backend of its version (again, on a safe retry). */
  private forward(ex: Exchange): void {
    const backend = pickBackend(ex.version, Date.now());
    if (backend === undefined) {
      this.fail(ex, 'CD_BAD_GATEWAY');
      return;
    }
    if (ex.attempts === 0) {
      ex.head += ex.hostless ? `host: ${backend.address}\r\n\r\n` : '\r\n';
    }
    ex.attempts++;
    ex.backend = backend;
    let pool = this.pools.get(backend.address);
    if (pool === undefined) {
      pool = new UpstreamPool(backend.host, backend.port, this.maxSockets, Date.now);
      this.pools.set(backend.address, pool);
    }
    pool.request(ex);
  }

  /** The backend could not be reached, or its connection broke before it answered. */
  upstreamFailed(ex: Exchange, failure: UpstreamFailure): void {
    if (failure.code === 'ECONNREFUSED' && ex.backend !== undefined) {
      ex.backend.downUntil = Date.now() + this.downMs;
    }
    if (ex.canRetry(failure)) this.forward(ex);
    else this.fail(ex, 'CD_BAD_GATEWAY');
  }

  /** Answers with a router error; the request counts as a proxy failure. */
  fail(ex: Exchange, code: ProxyErrorCode): void {
    if (ex.done || ex.failed) return;
    ex.failed = true;
    ex.abort();
    const res = ex.res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = errorBody(code, {
      version: ex.version.version,
      ...(ex.backend ? { backend: ex.backend.address } : {}),
    });
    ex.bytes = Buffer.byteLength(body);
    res.writeHead(ROUTER_ERRORS[code].status, [
      'content-type',
      'application/json; charset=utf-8',
      'content-length',
      String(ex.bytes),
      'x-codedance-version',
      ex.version.version,
      ...(this.closing ? ['connection', 'close'] : []),
    ]);
    res.end(body);
  }

  /** Books a finished (or abandoned) request exactly once. */
  complete(ex: Exchange): void {
    if (ex.done) return;
    ex.done = true;
    this.inflight.delete(ex);
    const stats = this.stats.forVersion(ex.version.version);
    const now = this.stats.now();
    if (ex.failed) {
      stats.record(PROXY_ERROR, performance.now() - ex.start, ex.bytes, now);
    } else if (ex.res.writableFinished) {
      stats.record(ex.status, performance.now() - ex.start, ex.bytes, now);
    } else {
      // The client went away: stop the backend work it asked for.
      stats.recordAborted(now);
      ex.abort();
    }
    if (this.inflight.size === 0) this.drained?.();
  }

  private sweep(): void {
    const limit = performance.now() - this.timeoutMs;
    for (const ex of this.inflight) {
      if (!ex.answered && ex.start < limit) this.fail(ex, 'CD_GATEWAY_TIMEOUT');
    }
    for (const pool of this.pools.values()) pool.closeIdle(this.idleMs);
    const now = Date.now();
    for (const client of this.clients) {
      if (!client.idle) continue;
      const allowed = client.waiting ? CLIENT_HEADERS_MS : CLIENT_KEEP_ALIVE_MS;
      if (now - client.idleSince > allowed) client.destroy();
    }
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (up to
   * `graceMs`), then closes whatever is left.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    // No new connections here; other processes sharing the socket go on accepting.
    for (const listener of this.listeners) listener.close();
    this.listeners.clear();
    const closed = new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
    for (const client of this.clients) if (client.idle) client.destroy();
    this.server.closeIdleConnections();
    if (this.inflight.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const client of this.clients) client.destroy();
    for (const tunnel of this.tunnels) tunnel.close();
    this.server.closeAllConnections();
    clearInterval(this.sweeper);
    for (const pool of this.pools.values()) pool.close();
    this.pools.clear();
    await closed;
  }
}

function sendError(
  res: ClientResponse,
  code: ProxyErrorCode,
  closing: boolean,
  details?: unknown,
): void {
  const body = errorBody(code, details);
  res.writeHead(ROUTER_ERRORS[code].status, [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    ...(closing ? ['connection', 'close'] : []),
  ]);
  res.end(body);
}
