import http from 'node:http';
import type { RouterHealth } from './control.js';
import type { Endpoint } from './process.js';
import { checkSocketPath } from './socket-path.js';
import type { StatsWindow } from './stats.js';
import type { RouteTable, RouteTableInput } from './table.js';

export interface RoutesState {
  revision: number;
  table: RouteTable;
}

/** A control API call that failed, with the router's error code when it sent one. */
export class RouterClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details?: unknown,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'RouterClientError';
  }
}

export interface RouterClientOptions {
  /** Per call, in ms. */
  timeoutMs?: number;
}

/**
 * Typed client for a router process's control API. Each call uses its own
 * short connection, so a client can come and go (a server restart) without
 * the router noticing.
 */
export class RouterClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly endpoint: Endpoint,
    options: RouterClientOptions = {},
  ) {
    // A path cut short would reach another router's socket.
    if ('path' in endpoint) checkSocketPath(endpoint.path);
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** Replaces the whole routing table; resolves once it is live and persisted. */
  async setRoutes(table: RouteTableInput): Promise<RoutesState> {
    return this.call<RoutesState>('PUT', '/routes', table);
  }

  async getRoutes(): Promise<RoutesState> {
    return this.call<RoutesState>('GET', '/routes');
  }

  /** Per-version statistics for `[from, to)` (epoch ms; default: the last minute). */
  async stats(
    window: { from?: number; to?: number; samples?: boolean } = {},
  ): Promise<StatsWindow> {
    const query = new URLSearchParams();
    if (window.from !== undefined) query.set('from', String(window.from));
    if (window.to !== undefined) query.set('to', String(window.to));
    if (window.samples === true) query.set('samples', 'true');
    const suffix = query.size > 0 ? `?${query.toString()}` : '';
    return this.call<StatsWindow>('GET', `/stats${suffix}`);
  }

  async health(): Promise<RouterHealth> {
    return this.call<RouterHealth>('GET', '/health');
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const target =
      'path' in this.endpoint
        ? { socketPath: this.endpoint.path }
        : { host: this.endpoint.host, port: this.endpoint.port };
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          ...target,
          method,
          path,
          agent: false,
          timeout: this.timeoutMs,
          headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch (error) {
              reject(
                new RouterClientError(
                  'router sent invalid JSON',
                  'CD_INTERNAL',
                  res.statusCode ?? 0,
                  text,
                  { cause: error },
                ),
              );
              return;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve(parsed as T);
              return;
            }
            const error = (
              parsed as { error?: { code?: string; message?: string; details?: unknown } }
            ).error;
            reject(
              new RouterClientError(
                error?.message ?? `router answered ${status}`,
                error?.code ?? 'CD_INTERNAL',
                status,
                error?.details,
              ),
            );
          });
        },
      );
      req.on('timeout', () => {
        req.destroy(new Error(`router control call ${method} ${path} timed out`));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }
}
