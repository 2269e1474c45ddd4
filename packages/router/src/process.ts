import { connect } from 'node:net';
import type { Server } from 'node:http';
import { unlink } from 'node:fs/promises';
import { loadRoutes, saveRoutes } from './persist.js';
import { checkSocketPath } from './socket-path.js';
import { EMPTY_TABLE, type RouteTable } from './table.js';

/** Where a server listens: a TCP host and port, or a unix socket path. */
export type Endpoint = { host: string; port: number } | { path: string };

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

  /** Routes kept in memory only, starting from `table`. */
  static of(revision: number, table: RouteTable): AppliedRoutes {
    return new AppliedRoutes(undefined, { revision, table });
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
