import { STATUS_CODES } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ROUTER_ERRORS, errorBody } from './errors.js';
import { RoutedRequest } from './exchange.js';
import { stripHopByHop } from './headers.js';
import type { ProxyErrorCode } from './proxy.js';
import { ResponseParser, type ResponseSink } from './response-parser.js';
import { PROXY_ERROR, type RouterStats } from './stats.js';
import type { Backend } from './weights.js';

/** What a tunnel needs from the proxy that routed it. */
export interface TunnelHost {
  readonly stats: RouterStats;
  readonly timeoutMs: number;
  forgetTunnel(tunnel: Tunnel): void;
}

/**
 * An `Upgrade` request (a WebSocket, say) from its routing to its end: the
 * request goes to a backend on a connection of its own; a 101 answer turns
 * both connections into one raw two-way pipe, any other answer is passed on
 * and the connection closed.
 */
export class Tunnel extends RoutedRequest implements ResponseSink {
  private upstream: Socket | undefined = undefined;
  private readonly parser = new ResponseParser();
  private answered = false;
  private switched = false;
  private booked = false;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly host: TunnelHost,
    readonly method: string,
    readonly client: Socket,
    /** The protocol asked for (`Upgrade` header value). */
    private readonly protocol: string,
  ) {
    super();
    client.on('error', () => undefined);
    client.once('close', () => {
      this.close();
    });
  }

  /** Opens the backend connection and sends the request, then `early`, the bytes read past its head. */
  open(backend: Backend, early: Buffer): void {
    this.backend = backend;
    const upstream = connect({ host: backend.host, port: backend.port, noDelay: true });
    this.upstream = upstream;
    this.parser.expect(this, this.method, true);
    upstream.on('data', (chunk: Buffer) => {
      try {
        this.parser.execute(chunk);
      } catch {
        this.fail('CD_BAD_GATEWAY');
      }
    });
    upstream.on('error', () => undefined);
    upstream.once('close', () => {
      if (this.parser.finishAtClose() && this.answered) this.client.end();
      else if (!this.answered) this.fail('CD_BAD_GATEWAY');
      this.close();
    });
    const host = this.hostless ? `host: ${backend.address}\r\n` : '';
    upstream.write(
      `${this.head}${host}connection: upgrade\r\nupgrade: ${this.protocol}\r\n\r\n`,
      'latin1',
    );
    if (early.length > 0) upstream.write(early);
    this.timer = setTimeout(() => {
      if (!this.answered) this.fail('CD_GATEWAY_TIMEOUT');
    }, this.host.timeoutMs);
  }

  onResponseHead(status: number, headers: string[]): void {
    this.answered = true;
    clearTimeout(this.timer);
    const upgradeTo = valueOf(headers, 'upgrade');
    stripHopByHop(headers);
    headers.push('x-codedance-version', this.version.version);
    if (this.setCookie) headers.push('set-cookie', this.version.cookie);
    if (status === 101) {
      this.switched = true;
      headers.push('connection', 'upgrade', 'upgrade', upgradeTo ?? this.protocol);
    } else {
      // The backend declined to switch: its answer is the last thing on this connection.
      headers.push('connection', 'close');
    }
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    this.client.write(`${head}\r\n`, 'latin1');
    this.book(status);
    if (this.switched) {
      const upstream = this.upstream;
      if (upstream !== undefined) this.client.pipe(upstream);
    }
  }

  onResponseBody(chunk: Buffer): void {
    const upstream = this.upstream;
    if (!this.client.write(Buffer.from(chunk)) && upstream !== undefined) {
      upstream.pause();
      this.client.once('drain', () => upstream.resume());
    }
  }

  onResponseEnd(last?: Buffer): void {
    if (last !== undefined) this.client.write(Buffer.from(last));
    this.client.end();
    this.upstream?.destroy();
  }

  /** Answers with a router error, when nothing has been answered yet, and closes. */
  fail(code: ProxyErrorCode, details?: unknown): void {
    if (!this.answered && !this.client.destroyed) {
      this.answered = true;
      const body = errorBody(code, details ?? this.details());
      const { status } = ROUTER_ERRORS[code];
      this.client.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'error'}\r\ncontent-type: application/json; charset=utf-8\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      if (code !== 'CD_BAD_REQUEST' && code !== 'CD_NO_ROUTE') this.book(PROXY_ERROR);
    }
    this.close();
  }

  private details(): Record<string, string> | undefined {
    if (this.backend === undefined) return undefined;
    return { version: this.version.version, backend: this.backend.address };
  }

  private book(status: number): void {
    if (this.booked) return;
    this.booked = true;
    const stats = this.host.stats.forVersion(this.version.version);
    stats.record(status, performance.now() - this.start, 0, this.host.stats.now());
    if (status === 101) stats.recordUpgrade(this.host.stats.now());
  }

  /** Ends both sides; a tunnel the client left before any answer counts as abandoned. */
  close(): void {
    clearTimeout(this.timer);
    if (!this.booked && this.backend !== undefined) {
      this.booked = true;
      this.host.stats.forVersion(this.version.version).recordAborted(this.host.stats.now());
    }
    this.upstream?.destroy();
    if (!this.client.writableEnded) this.client.destroy();
    else this.client.once('finish', () => this.client.destroy());
    this.host.forgetTunnel(this);
  }
}

function valueOf(headers: string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]?.toLowerCase() === name) return headers[i + 1];
  }
  return undefined;
}
