import { connect } from 'node:net';
import type { Server } from 'node:http';
import { unlink } from 'node:fs/promises';
import { createControlServer, type RouterHealth } from './control.js';
import { loadRoutes, saveRoutes } from './persist.js';
import { RouterProxy } from './proxy.js';
import { RouterStats } from './stats.js';
import { EMPTY_TABLE, type RouteTable } from './table.js';

/** Where a server listens: a TCP host and port, or a unix socket path. */
export type Endpoint = { host: string; port: number } | { path: string };

export interface RouterOptions {
  listen: { host: string; port: number };
  control: Endpoint;
  /** File that holds the last applied table; without it nothing survives a restart. */
  statePath?: string;
  timeoutMs?: number;
  stats?: RouterStats;
}

export interface RunningRouter {
  readonly proxy: RouterProxy;
  /** The address traffic is accepted on (the real port when 0 was asked for). */
  readonly listen: { host: string; port: number };
  readonly control: Endpoint;
  /** Graceful stop: no new connections, in-flight requests finish, then close. */
  close(graceMs?: number): Promise<void>;
}

/** Parses `host:port`, or treats anything else as a unix socket path. */
export function parseEndpoint(text: string): Endpoint {
  const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(text);
  if (match?.[1] !== undefined) return { host: match[1], port: Number(match[2]) };
  return { path: text };
}

/** Whether something still answers on a unix socket. */
async function socketAlive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

async function listenOn(server: Server, endpoint: Endpoint): Promise<Endpoint> {
  // A socket file left by a killed router would block the path forever.
  if ('path' in endpoint && !(await socketAlive(endpoint.path))) {
    await unlink(endpoint.path).catch(() => undefined);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if ('path' in endpoint) server.listen(endpoint.path, done);
    else server.listen(endpoint.port, endpoint.host, done);
  });
  const address = server.address();
  if (address !== null && typeof address === 'object') {
    return { host: address.address, port: address.port };
  }
  return endpoint;
}

/**
 * Starts the data plane and its control API, with the last persisted table
 * already applied, so a restarted router serves the same split at once.
 */
export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const stats = options.stats ?? new RouterStats();
  const persisted =
    options.statePath === undefined ? undefined : await loadRoutes(options.statePath);
  let revision = persisted?.revision ?? 0;
  let table: RouteTable = persisted?.table ?? EMPTY_TABLE;
  const proxy = new RouterProxy({
    stats,
    table,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const startedAt = Date.now();
  // PUTs are applied one after another, so the file always matches the live table.
  let applying: Promise<unknown> = Promise.resolve();
  const control = createControlServer({
    stats,
    routes: () => ({ revision, table }),
    applyRoutes: (next) => {
      const run = applying.then(async () => {
        const nextRevision = revision + 1;
        if (options.statePath !== undefined) {
          await saveRoutes(options.statePath, { revision: nextRevision, table: next });
        }
        proxy.setTable(next);
        table = next;
        revision = nextRevision;
        return { revision, table };
      });
      applying = run.catch(() => undefined);
      return run;
    },
    health: (): RouterHealth => ({
      status: proxy.closing ? 'draining' : 'ok',
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      revision,
      inFlight: proxy.inFlight,
    }),
  });
  const listen = await proxy.listen(options.listen.port, options.listen.host);
  let controlAt: Endpoint;
  try {
    controlAt = await listenOn(control, options.control);
  } catch (error) {
    await proxy.close(0);
    throw error;
  }
  return {
    proxy,
    listen: { host: listen.address, port: listen.port },
    control: controlAt,
    async close(graceMs?: number) {
      const controlClosed = new Promise<void>((resolve) => {
        control.close(() => {
          resolve();
        });
      });
      control.closeAllConnections();
      await proxy.close(graceMs);
      await controlClosed;
    },
  };
}
