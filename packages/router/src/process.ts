import { connect } from 'node:net';
import type { Server } from 'node:http';
import { unlink } from 'node:fs/promises';
import { createControlServer, type RouterHealth } from './control.js';
import { loadRoutes, saveRoutes } from './persist.js';
import { RouterProxy } from './proxy.js';
import { checkSocketPath } from './socket-path.js';
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

/** Listens on a TCP or unix socket endpoint and returns the real address. */
export async function listenOn(server: Server, endpoint: Endpoint): Promise<Endpoint> {
  if ('path' in endpoint) checkSocketPath(endpoint.path);
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
 * The table in force and its revision. A change is written to the state file
 * before it is applied, and changes are applied one after another, so the
 * file always matches what serves traffic.
 */
export class AppliedRoutes {
  private applying: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly statePath: string | undefined,
    private applied: { revision: number; table: RouteTable },
  ) {}

  /** The last persisted table, or the empty one. */
  static async load(statePath: string | undefined): Promise<AppliedRoutes> {
    const persisted = statePath === undefined ? undefined : await loadRoutes(statePath);
    return new AppliedRoutes(statePath, {
      revision: persisted?.revision ?? 0,
      table: persisted?.table ?? EMPTY_TABLE,
    });
  }

  get current(): { revision: number; table: RouteTable } {
    return this.applied;
  }

  get revision(): number {
    return this.applied.revision;
  }

  get table(): RouteTable {
    return this.applied.table;
  }

  /** Persists `next`, makes it current, then runs `goLive` with it. */
  apply(
    next: RouteTable,
    goLive: (revision: number, table: RouteTable) => void | Promise<void>,
  ): Promise<{ revision: number; table: RouteTable }> {
    const run = this.applying.then(async () => {
      const revision = this.applied.revision + 1;
      if (this.statePath !== undefined) {
        await saveRoutes(this.statePath, { revision, table: next });
      }
      this.applied = { revision, table: next };
      await goLive(revision, next);
      return { revision, table: next };
    });
    this.applying = run.catch(() => undefined);
    return run;
  }
}

/**
 * Starts the data plane and its control API in this process, with the last
 * persisted table already applied, so a restarted router serves the same
 * split at once.
 */
export async function startRouter(options: RouterOptions): Promise<RunningRouter> {
  const stats = options.stats ?? new RouterStats();
  const routes = await AppliedRoutes.load(options.statePath);
  const proxy = new RouterProxy({
    stats,
    table: routes.table,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const startedAt = Date.now();
  const control = createControlServer({
    now: () => stats.now(),
    stats: (from, to, withSamples) => stats.window(from, to, withSamples),
    routes: () => routes.current,
    applyRoutes: (next) =>
      routes.apply(next, (_revision, table) => {
        proxy.setTable(table);
      }),
    health: (): RouterHealth => ({
      status: proxy.closing ? 'draining' : 'ok',
      pid: process.pid,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      revision: routes.revision,
      inFlight: proxy.inFlight,
      workers: [{ pid: process.pid, inFlight: proxy.inFlight }],
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
      const controlClosed = closeServer(control);
      await proxy.close(graceMs);
      await controlClosed;
    },
  };
}

/** Closes a server and drops its idle keep-alive connections at once. */
export function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  server.closeAllConnections();
  return closed;
}
