import { spawn } from 'node:child_process';
import { mkdir, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import {
  MAX_SOCKET_PATH_BYTES,
  ROUTER_BIN,
  RouterClient,
  controlSocketPath,
} from '@codedance/router';

export interface RouterHandle {
  readonly key: string;
  readonly client: RouterClient;
  readonly port: number;
  readonly socket: string;
}

/**
 * The router processes, one per app. Each is started detached from the server, in its own
 * session, so it outlives a restart or a crash of the control plane and keeps serving its last
 * table; a new server finds it again by its control socket.
 */
export class RouterFleet {
  private readonly handles = new Map<string, RouterHandle>();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly host = '127.0.0.1',
  ) {}

  private files(key: string) {
    return {
      // Named by a hash of the key: any key fits the 107 bytes of a socket path.
      socket: controlSocketPath(this.dir, key),
      state: path.join(this.dir, `${key}.routes.json`),
      log: path.join(this.dir, `${key}.log`),
    };
  }

  /** The router for `key`, adopted when one answers on its socket, started otherwise. */
  async ensure(key: string, port: number): Promise<RouterHandle> {
    const known = this.handles.get(key);
    if (known !== undefined && known.port === port && (await alive(known.client))) return known;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const files = this.files(key);
    let client = new RouterClient({ path: files.socket }, { timeoutMs: 3000 });
    let running = await client.health().catch(() => null);
    let socket = files.socket;
    const legacy = path.join(this.dir, `${key}.sock`);
    if (running === null && Buffer.byteLength(legacy) <= MAX_SOCKET_PATH_BYTES) {
      // A router started before sockets were named by a hash is adopted where it is.
      const old = new RouterClient({ path: legacy }, { timeoutMs: 3000 });
      running = await old.health().catch(() => null);
      if (running !== null) [client, socket] = [old, legacy];
    }
    if (running !== null && known?.port !== port && known !== undefined) {
      // The app moved to another public port: replace its router.
      await this.stop(key);
    } else if (running !== null) {
      const handle = { key, client, port, socket };
      this.handles.set(key, handle);
      this.logger.info({ router: key, pid: running.pid }, 'router adopted');
      return handle;
    }
    // A stale socket file is removed by the router itself, once it leads its group: removing
    // it here could pull it from under a router process that has just taken over.
    const log = await open(files.log, 'a', 0o600);
    try {
      const child = spawn(
        process.execPath,
        [
          ROUTER_BIN,
          '--listen',
          `${this.host}:${port}`,
          '--control',
          files.socket,
          '--state',
          files.state,
        ],
        { detached: true, stdio: ['ignore', log.fd, log.fd] },
      );
      child.unref();
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      const deadline = Date.now() + 10_000;
      for (;;) {
        const health = await client.health().catch(() => null);
        if (health !== null) break;
        const code = await Promise.race([exited, delay(50).then(() => 'running' as const)]);
        if (code !== 'running') {
          // It found its group led already (a survivor took over meanwhile): that one serves.
          if ((await client.health().catch(() => null)) !== null) break;
          throw new Error(
            `the router for ${key} exited (code ${String(code)}); see ${files.log} — is port ${port} free?`,
          );
        }
        if (Date.now() > deadline) throw new Error(`the router for ${key} did not start in 10 s`);
      }
      this.logger.info({ router: key, port, pid: child.pid }, 'router started');
    } finally {
      await log.close();
    }
    const handle = { key, client, port, socket: files.socket };
    this.handles.set(key, handle);
    return handle;
  }

  get(key: string): RouterHandle | undefined {
    return this.handles.get(key);
  }

  /** Stops the router of `key` (it drains in-flight requests first). */
  async stop(key: string): Promise<void> {
    const files = this.files(key);
    const client = this.handles.get(key)?.client ?? new RouterClient({ path: files.socket });
    this.handles.delete(key);
    const health = await client.health().catch(() => null);
    if (health === null) return;
    try {
      process.kill(health.pid, 'SIGTERM');
    } catch {
      return;
    }
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await client.health().catch(() => null)) !== null) {
      await delay(50);
    }
    await unlink(files.state).catch(() => undefined);
  }

  /** Stops every router this fleet knows (tests and app deletion; a server stop leaves them). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.handles.keys()].map((key) => this.stop(key)));
  }
}

async function alive(client: RouterClient): Promise<boolean> {
  return (await client.health().catch(() => null)) !== null;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
