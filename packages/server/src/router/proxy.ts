import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ROUTER_ERRORS, routerErrorBody, type RouterErrorCode } from './errors.js';
import { PROXY_ERROR, type RouterStats } from './stats.js';
import { EMPTY_TABLE, type RouteTable } from './table.js';
import {
  chooseVersion,
  compileTable,
  pickBackend,
  stickyVersion,
  type Backend,
  type RoutingState,
  type VersionRoute,
} from './weights.js';

export interface ProxyOptions {
  stats: RouterStats;
  /** Time allowed until the backend's response headers arrive (ms). */
  timeoutMs?: number;
  /** How long a backend that refused a connection is skipped (ms). */
  downMs?: number;
  /** Sockets per backend. */
  maxSockets?: number;
  table?: RouteTable;
}

// Listeners are module-level functions that find their exchange through this
// symbol, so a request allocates one Exchange and no closures.
const kExchange = Symbol('codedance.exchange');
type Carrier = { [kExchange]?: Exchange };

class Exchange {
  readonly start = performance.now();
  backend: Backend | undefined = undefined;
  outgoing: ClientRequest | undefined = undefined;
  upstream: IncomingMessage | undefined = undefined;
  headers: string[] | undefined = undefined;
  hasBody = false;
  canary: string | undefined = undefined;
  cookie: string | undefined = undefined;
  status = 0;
  bytes = 0;
  attempts = 0;
  failed = false;
  done = false;

  constructor(
    readonly proxy: RouterProxy,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {}

  version!: VersionRoute;
  setCookie = false;
}

// Lower-case names by length, to skip toLowerCase for most headers.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length));

function isHopByHop(name: string): boolean {
  return HOP_LENGTHS.has(name.length) && HOP_BY_HOP.has(name.toLowerCase());
}

/** Extra hop-by-hop names listed in a `Connection` header, if any. */
function connectionTokens(value: string): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name === '' || name === 'keep-alive' || name === 'close') continue;
    (tokens ??= new Set()).add(name);
  }
  return tokens;
}

/** Request headers for the backend, as a raw `[name, value, …]` list. */
function forwardHeaders(ex: Exchange): string[] {
  const raw = ex.req.rawHeaders;
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let host: string | undefined;
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const length = name.length;
    if (length === 4 && name.toLowerCase() === 'host') host = value;
    else if (length === 15 && name.toLowerCase() === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      continue;
    } else if (length === 17) {
      const lower = name.toLowerCase();
      if (lower === 'x-forwarded-proto') {
        forwardedProto = value;
        continue;
      }
      if (lower === 'transfer-encoding') {
        ex.hasBody = true;
        continue;
      }
    } else if (length === 8 && name.toLowerCase() === 'x-canary') ex.canary = value;
    else if (length === 6 && name.toLowerCase() === 'cookie') {
      ex.cookie = ex.cookie === undefined ? value : `${ex.cookie}; ${value}`;
    } else if (length === 14 && name.toLowerCase() === 'content-length') {
      if (value !== '0') ex.hasBody = true;
    } else if (length === 16 && name.toLowerCase() === 'x-forwarded-host') continue;
    if (isHopByHop(name)) {
      if (length === 10 && name.toLowerCase() === 'connection') extra = connectionTokens(value);
      continue;
    }
    out.push(name, value);
  }
  if (extra !== undefined) stripNamed(out, extra);
  const address = ex.req.socket.remoteAddress ?? '';
  out.push(
    'x-forwarded-for',
    forwardedFor === undefined ? address : `${forwardedFor}, ${address}`,
    'x-forwarded-proto',
    forwardedProto ?? 'http',
  );
  if (host !== undefined) out.push('x-forwarded-host', host);
  return out;
}

function stripNamed(headers: string[], names: Set<string>): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    if (names.has((headers[i] ?? '').toLowerCase())) headers.splice(i, 2);
  }
}

/** Response headers for the client: the backend's, minus hop-by-hop, plus ours. */
function responseHeaders(ex: Exchange, upstream: IncomingMessage): string[] {
  const raw = upstream.rawHeaders;
  const out: string[] = [];
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    if (isHopByHop(name)) {
      if (name.length === 10 && name.toLowerCase() === 'connection')
        extra = connectionTokens(value);
      continue;
    }
    out.push(name, value);
  }
  if (extra !== undefined) stripNamed(out, extra);
  out.push('x-codedance-version', ex.version.version);
  if (ex.setCookie) out.push('set-cookie', ex.version.cookie);
  if (ex.proxy.closing) out.push('connection', 'close');
  return out;
}

function onUpstreamResponse(this: ClientRequest & Carrier, upstream: IncomingMessage): void {
  const ex = this[kExchange];
  if (ex === undefined || ex.done) {
    upstream.destroy();
    return;
  }
  ex.upstream = upstream;
  (upstream as IncomingMessage & Carrier)[kExchange] = ex;
  ex.status = upstream.statusCode ?? 502;
  ex.res.writeHead(ex.status, responseHeaders(ex, upstream));
  upstream.on('data', onUpstreamData);
  upstream.on('end', onUpstreamEnd);
  upstream.on('error', onUpstreamBodyError);
  ex.res.on('drain', onClientDrain);
}

function onUpstreamData(this: IncomingMessage & Carrier, chunk: Buffer): void {
  const ex = this[kExchange];
  if (ex === undefined) return;
  ex.bytes += chunk.length;
  if (!ex.res.write(chunk)) this.pause();
}

function onClientDrain(this: ServerResponse & Carrier): void {
  this[kExchange]?.upstream?.resume();
}

function onUpstreamEnd(this: IncomingMessage & Carrier): void {
  this[kExchange]?.res.end();
}

function onUpstreamBodyError(this: IncomingMessage & Carrier): void {
  const ex = this[kExchange];
  if (ex === undefined || ex.done) return;
  // Headers are already sent: the only honest signal left is a cut response.
  ex.failed = true;
  ex.res.destroy();
}

function onUpstreamError(this: ClientRequest & Carrier, error: NodeJS.ErrnoException): void {
  const ex = this[kExchange];
  if (ex === undefined || ex.done || ex.failed || ex.upstream !== undefined) return;
  const proxy = ex.proxy;
  const refused = error.code === 'ECONNREFUSED';
  if (refused && ex.backend !== undefined) ex.backend.downUntil = Date.now() + proxy.downMs;
  // A bodyless request that never reached a backend (refused, or a stale
  // keep-alive socket) is safe to send once more, to another instance.
  if (!ex.hasBody && ex.attempts < 2 && (refused || this.reusedSocket)) {
    proxy.forward(ex);
    return;
  }
  proxy.fail(ex, 'CD_BAD_GATEWAY');
}

function onClientClose(this: ServerResponse & Carrier): void {
  const ex = this[kExchange];
  if (ex !== undefined) ex.proxy.complete(ex);
}

/**
 * The data plane: a streaming HTTP/1.1 reverse proxy that splits traffic
 * between versions by weight and records what every version answered.
 */
export class RouterProxy {
  readonly server: http.Server;
  readonly stats: RouterStats;
  readonly timeoutMs: number;
  readonly downMs: number;
  closing = false;
  private state: RoutingState;
  private readonly agents = new Map<string, http.Agent>();
  private readonly maxSockets: number;
  private readonly inflight = new Set<Exchange>();
  private readonly sweeper: NodeJS.Timeout;
  private drained: (() => void) | undefined;

  constructor(options: ProxyOptions) {
    this.stats = options.stats;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.downMs = options.downMs ?? 1_000;
    this.maxSockets = options.maxSockets ?? 1024;
    this.state = compileTable(options.table ?? EMPTY_TABLE);
    this.server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      this.handle(req, res);
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

  /** Replaces the routing table in one assignment; in-flight requests are unaffected. */
  setTable(table: RouteTable): void {
    this.state = compileTable(table);
  }

  get inFlight(): number {
    return this.inflight.size;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const state = this.state;
    const ex = new Exchange(this, req, res);
    // One pass over the raw headers both builds the forwarded list and finds
    // the routing inputs, so Node never builds `req.headers`.
    ex.headers = forwardHeaders(ex);
    const sticky = state.sticky ? stickyVersion(state, ex.cookie) : undefined;
    const version = chooseVersion(state, ex.canary, sticky);
    if (version === undefined) {
      req.resume();
      sendError(res, 'CD_NO_ROUTE', this.closing);
      return;
    }
    ex.version = version;
    ex.setCookie = state.sticky && version !== sticky;
    (res as ServerResponse & Carrier)[kExchange] = ex;
    this.inflight.add(ex);
    res.on('close', onClientClose);
    this.forward(ex);
  }

  /** Sends the request to a backend of its version (again, on a safe retry). */
  forward(ex: Exchange): void {
    const backend = pickBackend(ex.version, Date.now());
    if (backend === undefined) {
      this.fail(ex, 'CD_BAD_GATEWAY');
      return;
    }
    ex.attempts++;
    ex.backend = backend;
    const outgoing = http.request({
      host: backend.host,
      port: backend.port,
      method: ex.req.method,
      path: ex.req.url,
      headers: ex.headers ?? [],
      agent: this.agentFor(backend),
    }) as ClientRequest & Carrier;
    outgoing[kExchange] = ex;
    ex.outgoing = outgoing;
    outgoing.on('response', onUpstreamResponse);
    outgoing.on('error', onUpstreamError);
    if (ex.hasBody) ex.req.pipe(outgoing);
    else outgoing.end();
  }

  private agentFor(backend: Backend): http.Agent {
    let agent = this.agents.get(backend.address);
    if (agent === undefined) {
      // Idle sockets are closed before Node's default 5 s server keep-alive.
      agent = new http.Agent({
        keepAlive: true,
        maxSockets: this.maxSockets,
        maxFreeSockets: 256,
        scheduling: 'lifo',
        timeout: 4_000,
      });
      this.agents.set(backend.address, agent);
    }
    return agent;
  }

  /** Answers with a router error; the request counts as a proxy failure. */
  fail(ex: Exchange, code: RouterErrorCode): void {
    if (ex.done) return;
    ex.failed = true;
    ex.outgoing?.destroy();
    const res = ex.res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = routerErrorBody(code, {
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
      ex.outgoing?.destroy();
      ex.upstream?.destroy();
    }
    if (this.inflight.size === 0) this.drained?.();
  }

  private sweep(): void {
    const limit = performance.now() - this.timeoutMs;
    for (const ex of this.inflight) {
      if (ex.upstream === undefined && ex.start < limit) this.fail(ex, 'CD_GATEWAY_TIMEOUT');
    }
  }

  /**
   * Stops accepting connections, lets in-flight requests finish (up to
   * `graceMs`), then closes whatever is left.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
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
    this.server.closeAllConnections();
    clearInterval(this.sweeper);
    for (const agent of this.agents.values()) agent.destroy();
    await closed;
  }
}

function sendError(res: ServerResponse, code: RouterErrorCode, closing: boolean): void {
  const body = routerErrorBody(code);
  res.writeHead(ROUTER_ERRORS[code].status, [
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    ...(closing ? ['connection', 'close'] : []),
  ]);
  res.end(body);
}
