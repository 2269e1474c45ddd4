import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { stripHopByHop, type RequestFacts } from './headers.js';
import type { RouterProxy } from './proxy.js';
import type { UpstreamConnection, UpstreamFailure, UpstreamRequest } from './upstream.js';
import type { Backend, VersionRoute } from './weights.js';

/**
 * The client side of an exchange: what it needs to answer. Node's
 * `ServerResponse` has exactly this; so does the fast path's response.
 */
export interface ClientResponse {
  readonly headersSent: boolean;
  /** The whole response was handed to the connection. */
  readonly writableFinished: boolean;
  writeHead(status: number, headers: string[]): unknown;
  /** Sends an interim (1xx) answer ahead of the final one, where the client can take it. */
  writeInterim(status: number, headers: string[]): void;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer | string): unknown;
  destroy(): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** Client-side objects carry their exchange here, for listeners shared by all requests. */
export const kExchange = Symbol('codedance.exchange');
export type ExchangeCarrier = { [kExchange]?: Exchange };

function onClientDrain(this: ExchangeCarrier): void {
  this[kExchange]?.clientDrained();
}

// RFC 9110 §9.2.2: a request with one of these methods may be sent again
// even if the backend might have seen it.
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** A request as routing sees it: the facts read from it, its backend head, its version. */
export class RoutedRequest implements RequestFacts {
  readonly start = performance.now();
  head = '';
  version!: VersionRoute;
  backend: Backend | undefined = undefined;
  canary: string | undefined = undefined;
  cookie: string | undefined = undefined;
  hasBody = false;
  chunked = false;
  hostless = false;
  refusal: string | undefined = undefined;
  /** The response sets the sticky cookie. */
  setCookie = false;
}

/**
 * One proxied request, from the client's side and the backend's. Listeners
 * find it through `this`, so a request allocates no closures.
 */
export class Exchange extends RoutedRequest implements UpstreamRequest {
  connection: UpstreamConnection | undefined = undefined;
  status = 0;
  bytes = 0;
  attempts = 0;
  /** The backend's response headers arrived (and were passed on). */
  answered = false;
  /** Waiting for the client to take what was written before reading on. */
  draining = false;
  failed = false;
  done = false;

  constructor(
    readonly proxy: RouterProxy,
    readonly method: string,
    readonly res: ClientResponse,
    /** Node's request, when Node's HTTP server parsed it (it may have a body). */
    readonly req?: IncomingMessage,
  ) {
    super();
  }

  get body(): IncomingMessage | undefined {
    return this.hasBody ? this.req : undefined;
  }

  get cancelled(): boolean {
    return this.done || this.failed;
  }

  /**
   * RFC 9110 §15.2: a proxy forwards 1xx answers, except those it asked for
   * itself. 100 is one of those: the router answered the client's `Expect`
   * itself and never forwards it.
   */
  onInterim(status: number, headers: string[]): void {
    if (status === 100 || this.failed || this.done) return;
    this.res.writeInterim(status, stripHopByHop(headers));
  }

  onResponseHead(status: number, headers: string[]): void {
    this.answered = true;
    this.status = status;
    stripHopByHop(headers);
    headers.push('x-codedance-version', this.version.version);
    if (this.setCookie) headers.push('set-cookie', this.version.cookie);
    if (this.proxy.closing) headers.push('connection', 'close');
    try {
      this.res.writeHead(status, headers);
    } catch {
      // A header Node refuses to send: the response cannot be passed on.
      this.answered = false;
      this.proxy.fail(this, 'CD_BAD_GATEWAY');
    }
  }

  onResponseBody(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (!this.res.write(chunk) && !this.draining) {
      this.draining = true;
      this.connection?.pause();
      this.res.once('drain', onClientDrain);
    }
  }

  /** The client caught up: read from the backend again. */
  clientDrained(): void {
    this.draining = false;
    this.connection?.resume();
  }

  onResponseEnd(last?: Buffer): void {
    if (last === undefined) {
      this.res.end();
      return;
    }
    this.bytes += last.length;
    this.res.end(last);
  }

  onUpstreamError(failure: UpstreamFailure): void {
    if (this.done || this.failed) return;
    if (this.answered) {
      // Headers are already sent: the only honest signal left is a cut response.
      this.failed = true;
      this.res.destroy();
      return;
    }
    this.proxy.upstreamFailed(this, failure);
  }

  /** Whether it is safe to send the request to a backend once more. */
  canRetry(failure: UpstreamFailure): boolean {
    if (this.hasBody || this.attempts >= 2 || failure.started) return false;
    return failure.code === 'ECONNREFUSED' || IDEMPOTENT.has(this.method);
  }

  /** Stops whatever the backend is still doing for this request. */
  abort(): void {
    this.connection?.destroy();
  }
}
