import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ROUTER_ERRORS, type RouterErrorCode } from './errors.js';
import type { StatsWindow } from './stats.js';
import { parseRouteTable, type RouteTable } from './table.js';

const MAX_BODY = 1024 * 1024;

/** What the control API needs from the running router. */
export interface ControlTarget {
  /** Epoch ms; the default end of a stats window. */
  now(): number;
  /** Per-version statistics for `[from, to)`, over every process that serves traffic. */
  stats(from: number, to: number, withSamples: boolean): StatsWindow | Promise<StatsWindow>;
  routes(): { revision: number; table: RouteTable };
  /** Persists a table and applies it; resolves once it is durable and live. */
  applyRoutes(table: RouteTable): Promise<{ revision: number; table: RouteTable }>;
  health(): RouterHealth | Promise<RouterHealth>;
}

/** One process that serves traffic. */
export interface RouterWorkerHealth {
  pid: number;
  inFlight: number;
}

export interface RouterHealth {
  status: 'ok' | 'draining';
  /** The process the control API runs in: the group's leader. */
  pid: number;
  /** The address traffic is accepted on, `host:port`. */
  listen: string;
  uptimeSeconds: number;
  revision: number;
  /** Requests in flight, over all workers. */
  inFlight: number;
  /** The processes serving traffic, the leader first. */
  workers: RouterWorkerHealth[];
}

class ControlError extends Error {
  constructor(
    readonly code: RouterErrorCode,
    readonly details?: unknown,
  ) {
    super(ROUTER_ERRORS[code].message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ControlError('CD_PAYLOAD_TOO_LARGE', { limit: MAX_BODY });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new ControlError('CD_INVALID_JSON', { reason: (error as Error).message });
  }
}

function numberParam(url: URL, name: string, fallback: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new ControlError('CD_VALIDATION_FAILED', [{ path: `?${name}`, message: 'not a number' }]);
  }
  return value;
}

async function dispatch(target: ControlTarget, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://router');
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  switch (route) {
    case 'GET /health':
      send(res, 200, await target.health());
      return;
    case 'GET /routes':
      send(res, 200, target.routes());
      return;
    case 'PUT /routes': {
      const parsed = parseRouteTable(await readJson(req));
      if (!parsed.ok) throw new ControlError('CD_VALIDATION_FAILED', parsed.problems);
      send(res, 200, await target.applyRoutes(parsed.table));
      return;
    }
    case 'GET /stats': {
      const to = numberParam(url, 'to', target.now());
      const from = numberParam(url, 'from', to - 60_000);
      const samples = url.searchParams.get('samples') === 'true';
      send(res, 200, await target.stats(from, to, samples));
      return;
    }
    default:
      throw new ControlError(
        ['/health', '/routes', '/stats'].includes(url.pathname)
          ? 'CD_METHOD_NOT_ALLOWED'
          : 'CD_ROUTE_NOT_FOUND',
      );
  }
}

/** The router's control API: `GET /health`, `GET|PUT /routes`, `GET /stats`. */
export function createControlServer(target: ControlTarget): http.Server {
  return http.createServer((req, res) => {
    dispatch(target, req, res).catch((error: unknown) => {
      const known = error instanceof ControlError ? error : new ControlError('CD_INTERNAL');
      const body = {
        error: {
          code: known.code,
          message: known.message,
          ...(known.details === undefined ? {} : { details: known.details }),
        },
      };
      if (!res.headersSent) send(res, ROUTER_ERRORS[known.code].status, body);
      else res.destroy();
    });
  });
}
