import { spawn } from 'node:child_process';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
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
  /**
   * Epoch ms by which the router had started: when this fleet started it, or, for one it
   * adopted, from the uptime it reports (whole seconds, so taken half a second early).
   */
  readonly startedAt: number;
  /** The router's process (the primary, when it has workers). */
  readonly pid: number;
}

/**
 * The router processes, one per app. Each is started detached from the server, in its own
 * session, so it outlives a restart or a crash of the control plane and keeps serving its last
 * table; a new server finds it again by its control socket.
 */
export class RouterFleet {
  private readonly handles = new Map<string, RouterHandle>();
  /** Work on one key's router runs one piece at a time: two starts would race for its socket. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly host: string,
    private readonly clock: () => number,
  ) {}

  private files(key: string) {
    return {
      // Named by a hash of the key: any key fits the 107 bytes of a socket path.
      socket: controlSocketPath(this.dir, key),
      state: path.join(this.dir, `${key}.routes.json`),
      log: path.join(this.dir, `${key}.log`),
    };
  }

  private serial<T>(key: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** The router for `key`, adopted when one answers on its socket, started otherwise. */
  ensure(key: string, port: number): Promise<RouterHandle> {
    return this.serial(key, () => this.ensureNow(key, port));
  }

  private async ensureNow(key: string, port: number): Promise<RouterHandle> {
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
      await this.stopNow(key);
    } else if (running !== null) {
      const startedAt = this.clock() - (running.uptimeSeconds + 0.5) * 1000;
      const handle = { key, client, port, socket, startedAt, pid: running.pid };
      this.handles.set(key, handle);
      this.logger.info({ router: key, pid: running.pid }, 'router adopted');
      return handle;
    }
    // A stale socket file is removed by the router itself, once it leads its group: removing
    // it here could pull it from under a router process that has just taken over.
    const log = await open(files.log, 'a', 0o600);
    const startedAt = this.clock();
    let pid = 0;
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
      const deadline = this.clock() + 10_000;
      for (;;) {
        const health = await client.health().catch(() => null);
        if (health !== null) {
          pid = health.pid;
          break;
        }
        const code = await Promise.race([exited, delay(50).then(() => 'running' as const)]);
        if (code !== 'running') {
          // It found its group led already (a survivor took over meanwhile): that one serves.
          if ((await client.health().catch(() => null)) !== null) break;
          throw new Error(
            `the router for ${key} exited (code ${String(code)}); see ${files.log} — is port ${port} free?`,
          );
        }
        if (this.clock() > deadline) throw new Error(`the router for ${key} did not start in 10 s`);
      }
      this.logger.info({ router: key, port, pid: child.pid }, 'router started');
    } finally {
      await log.close();
    }
    const handle = { key, client, port, socket: files.socket, startedAt, pid };
    this.handles.set(key, handle);
    return handle;
  }

  get(key: string): RouterHandle | undefined {
    return this.handles.get(key);
  }

  /**
   * Stops the router of `key` and resolves once its process has exited: it stops answering on
   * its control socket at once but drains in-flight requests for up to 10 s, holding the port.
   */
  stop(key: string): Promise<void> {
    return this.serial(key, () => this.stopNow(key));
  }

  /** Stops the router of `key` but keeps its table, which its next start serves again. */
  halt(key: string): Promise<void> {
    return this.serial(key, async () => {
      const client =
        this.handles.get(key)?.client ?? new RouterClient({ path: this.files(key).socket });
      this.handles.delete(key);
      await this.stopGroup(client);
    });
  }

  private async stopNow(key: string): Promise<void> {
    const files = this.files(key);
    const client = this.handles.get(key)?.client ?? new RouterClient({ path: files.socket });
    this.handles.delete(key);
    await this.stopGroup(client);
    await unlink(files.state).catch(() => undefined);
    await unlink(files.socket).catch(() => undefined);
  }

  /**
   * Stops the group answering on `client` and resolves once every process of it has exited.
   * The leader stops its followers and drains for up to 10 s; past 15 s the group is stuck,
   * and every process of it is killed (killing the leader alone would let a follower lead on).
   */
  private async stopGroup(client: RouterClient): Promise<void> {
    const health = await client.health().catch(() => null);
    if (health === null) return;
    const pids = [health.pid, ...health.workers.map((w) => w.pid)];
    signal(health.pid, 'SIGTERM');
    if (!(await allExited(pids, this.clock, this.clock() + 15_000))) {
      for (const pid of pids) signal(pid, 'SIGKILL');
      await allExited(pids, this.clock, this.clock() + 5000);
    }
  }

  /** Stops every router this fleet knows (tests and app deletion; a server stop leaves them). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.handles.keys()].map((key) => this.stop(key)));
  }

  /**
   * Stops the routers found in the fleet's folder whose key is not in `keep`: left by a server
   * that died while it deleted their app. Sockets are named by a hash of their key, so the
   * kept keys are hashed the same way to tell them apart. Answers how many it stopped.
   */
  async stopStrays(keep: ReadonlySet<string>): Promise<number> {
    const kept = new Set(
      // A kept app's router may still be at a socket named the old way, by its key.
      [...keep].flatMap((key) => [path.basename(this.files(key).socket), `${key}.sock`]),
    );
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const strays = names.filter((name) => name.endsWith('.sock') && !kept.has(name));
    for (const name of strays) {
      const socket = path.join(this.dir, name);
      await this.stopGroup(new RouterClient({ path: socket }, { timeoutMs: 3000 }));
      await unlink(socket).catch(() => undefined);
      this.logger.info({ socket }, 'router of a deleted app stopped');
    }
    return strays.length;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether every process of `pids` is gone before `clock` passes `deadline`. */
async function allExited(
  pids: readonly number[],
  clock: () => number,
  deadline: number,
): Promise<boolean> {
  for (;;) {
    if (!pids.some(running)) return true;
    if (clock() > deadline) return false;
    await delay(50);
  }
}

async function alive(client: RouterClient): Promise<boolean> {
  return (await client.health().catch(() => null)) !== null;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
