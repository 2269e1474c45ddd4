import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { TENANT_DEFAULT } from '@codedance/core';
import { EventBus, type BusEvent } from '../../events/index.js';
import { LogHub } from '../../logs/index.js';
import { LocalProcesses, type ProcessSpec, type ProcessRuntime } from '../../runtime/index.js';
import { StoreGate } from '../../store/index.js';
import { createStore, type Store } from '../../store/index.js';
import { ServiceSupervisor, type ServiceSupervisorOptions } from '../supervisor.js';
import type { ServiceView } from '../views.js';

/**
 * A small HTTP server for tests: listens on $PORT after $LISTEN_DELAY_MS,
 * answers its pid, and prints `?say=` values to stdout (GET /log?say=hi).
 */
export const HTTP_SERVER = `
const http = require('http');
const port = Number(process.env.PORT);
setTimeout(() => {
  http.createServer((req, res) => {
    const say = new URL(req.url, 'http://x').searchParams.get('say');
    if (say) console.log(say);
    res.end(String(process.pid));
  }).listen(port, '127.0.0.1', () => console.log('listening on ' + port));
}, Number(process.env.LISTEN_DELAY_MS || 0));
`;

/** A service running `node -e script`. */
export function node(script: string): { command: string; args: string[] } {
  return { command: process.execPath, args: ['-e', script] };
}

/** A service of HTTP_SERVER instances from `port` up, ready once each answers. */
export function httpService(name: string, port: number, extra: Record<string, unknown> = {}) {
  return { name, ...node(HTTP_SERVER), port, readiness: { type: 'http', path: '/' }, ...extra };
}

/** One server's worth of parts: what a restart of the server replaces. */
interface Generation {
  runtime: ProcessRuntime;
  hub: LogHub;
  supervisor: ServiceSupervisor;
  spawned: ProcessSpec[];
}

/**
 * A supervisor over a real SQLite store, runtime and log hub in a temporary
 * folder. `reopen()` plays a server restart: a new runtime, hub and
 * supervisor on the same store and folder. `cleanup()` SIGKILLs every
 * process group any instance ever had.
 */
export class Harness {
  readonly bus = new EventBus();
  readonly events: BusEvent[] = [];
  private readonly pids = new Set<number>();
  private current: Generation | null = null;
  private gate: StoreGate | null = null;
  private dir = '';

  constructor(private readonly extra: Partial<ServiceSupervisorOptions> = {}) {
    this.bus.subscribe({}, null, (message) => {
      if (message.type !== 'event') return true;
      this.events.push(message.event);
      if (message.event.type === 'service.instance') {
        const { pid } = message.event.data as { pid: number | null };
        if (pid !== null) this.pids.add(pid);
      }
      return true;
    });
  }

  get supervisor(): ServiceSupervisor {
    if (!this.current) throw new Error('open() first');
    return this.current.supervisor;
  }

  get hub(): LogHub {
    if (!this.current) throw new Error('open() first');
    return this.current.hub;
  }

  /** Specs the current runtime was asked to spawn. */
  get spawned(): ProcessSpec[] {
    return this.current?.spawned ?? [];
  }

  store(): Store {
    if (!this.gate) throw new Error('open() first');
    return this.gate.store();
  }

  get logsDir(): string {
    return join(this.dir, 'logs');
  }

  async open(): Promise<ServiceSupervisor> {
    if (this.dir === '') {
      this.dir = await mkdtemp(join(tmpdir(), 'cd-services-'));
      this.gate = new StoreGate(
        createStore(`sqlite:${join(this.dir, 'store.db')}`),
        pino({ level: 'silent' }),
        60_000,
      );
      await this.gate.start();
    }
    const local = new LocalProcesses({ adoptionPollMs: 50 });
    const spawned: ProcessSpec[] = [];
    const runtime: ProcessRuntime = {
      spawn: (spec) => {
        spawned.push(spec);
        return local.spawn(spec);
      },
      adopt: (pid, ticks) => local.adopt(pid, ticks),
      stop: (pid, options) => local.stop(pid, options),
      usage: (pid) => local.usage(pid),
      close: () => {
        local.close();
      },
    };
    const hub = new LogHub({
      dir: this.logsDir,
      journal: { maxSize: 10 * 1024 * 1024, maxFiles: 2 },
    });
    const supervisor = new ServiceSupervisor({
      gate: this.gate!,
      runtime,
      hub,
      tenant: TENANT_DEFAULT,
      bus: this.bus.tenant(TENANT_DEFAULT),
      logger: pino({ level: 'silent' }),
      logsDir: this.logsDir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      sampleMs: 250,
      ...this.extra,
    });
    this.current = { runtime, hub, supervisor, spawned };
    await supervisor.start();
    return supervisor;
  }

  /** Shuts this server's parts down as a server would, leaving the processes running. */
  async shutdown(): Promise<void> {
    const current = this.current;
    if (!current) return;
    this.current = null;
    await current.supervisor.close();
    await current.hub.close();
    current.runtime.close();
  }

  /** Plays a server restart. */
  async reopen(): Promise<ServiceSupervisor> {
    await this.shutdown();
    return this.open();
  }

  /** Polls a service until `check` passes; fails with the last view at the deadline. */
  async until(
    name: string,
    check: (view: ServiceView) => boolean,
    timeoutMs = 10_000,
  ): Promise<ServiceView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = this.supervisor.view(name);
      if (check(view)) return view;
      if (Date.now() > deadline)
        throw new Error(`timed out; last view: ${JSON.stringify(view, null, 2)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Lines of a service's log (not Codedance's own), oldest first. */
  async lines(name: string): Promise<string[]> {
    const entries = await this.hub.query({ kind: 'service', id: name, limit: 5000 });
    return entries
      .filter((e) => e.stream !== 'system')
      .map((e) => e.line)
      .reverse();
  }

  async cleanup(): Promise<void> {
    await this.shutdown().catch(() => undefined);
    for (const pid of this.pids) {
      try {
        // Each instance leads its own process group; this reaches only what the tests started.
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    this.pids.clear();
    this.bus.close();
    await this.gate?.close();
    if (this.dir !== '') await rm(this.dir, { recursive: true, force: true });
  }
}

/** `count` consecutive free loopback ports. */
export async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ok = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** The answer of an instance, or null when nothing answers in time. */
export async function answer(port: number, path = '/', timeoutMs = 1000): Promise<string | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return await response.text();
  } catch {
    return null;
  }
}
