import { spawn } from 'node:child_process';
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { RouterClient } from '../router/index.js';

/** The built router entry point; the same path from `src/delivery` and `dist/delivery`. */
export const ROUTER_MAIN = fileURLToPath(new URL('../../dist/router/main.js', import.meta.url));

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
      socket: path.join(this.dir, `${key}.sock`),
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
    await mkdir(this.dir, { recursive: true });
    const files = this.files(key);
    const client = new RouterClient({ path: files.socket }, { timeoutMs: 3000 });
    const running = await client.health().catch(() => null);
    if (running !== null && known?.port !== port && known !== undefined) {
      // The app moved to another public port: replace its router.
      await this.stopNow(key);
    } else if (running !== null) {
      const startedAt = this.clock() - (running.uptimeSeconds + 0.5) * 1000;
      const handle = { key, client, port, socket: files.socket, startedAt, pid: running.pid };
      this.handles.set(key, handle);
      this.logger.info({ router: key, pid: running.pid }, 'router adopted');
      return handle;
    }
    await unlink(files.socket).catch(() => undefined);
    const log = await open(files.log, 'a');
    const startedAt = this.clock();
    let pid = 0;
    try {
      const child = spawn(
        process.execPath,
        [
          ROUTER_MAIN,
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

  private async stopNow(key: string): Promise<void> {
    const files = this.files(key);
    const client = this.handles.get(key)?.client ?? new RouterClient({ path: files.socket });
    this.handles.delete(key);
    const health = await client.health().catch(() => null);
    if (health !== null) {
      signal(health.pid, 'SIGTERM');
      // The router's own grace is 10 s; past that it is stuck, and killed.
      if (!(await exited(health.pid, this.clock, this.clock() + 15_000))) {
        signal(health.pid, 'SIGKILL');
        await exited(health.pid, this.clock, this.clock() + 5000);
      }
    }
    await unlink(files.state).catch(() => undefined);
    await unlink(files.socket).catch(() => undefined);
  }

  /** Stops every router this fleet knows (tests and app deletion; a server stop leaves them). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.handles.keys()].map((key) => this.stop(key)));
  }

  /**
   * Stops the routers found in the fleet's folder whose key is not in `keep`: left by a server
   * that died while it deleted their app. Answers the keys it stopped.
   */
  async stopStrays(keep: ReadonlySet<string>): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const strays = names
      .filter((name) => name.endsWith('.sock'))
      .map((name) => name.slice(0, -'.sock'.length))
      .filter((key) => !keep.has(key));
    for (const key of strays) {
      await this.stop(key);
      this.logger.info({ router: key }, 'router of a deleted app stopped');
    }
    return strays;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Whether process `pid` is gone before `clock` passes `deadline`. */
async function exited(pid: number, clock: () => number, deadline: number): Promise<boolean> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
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
