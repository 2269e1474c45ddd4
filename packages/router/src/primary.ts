import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { createControlServer, type RouterHealth } from './control.js';
import {
  AppliedRoutes,
  closeServer,
  listenOn,
  type Endpoint,
  type RouterOptions,
} from './process.js';
import { summariseParts, windowSeconds, type StatsPart, type StatsWindow } from './stats.js';
import type { PrimaryMessage, WorkerMessage } from './worker.js';

export interface WorkersOptions extends RouterOptions {
  /** Worker processes that serve traffic (at least 1). */
  workers: number;
  /** How long a worker may drain when the router stops (ms). */
  graceMs?: number;
  /** How long a worker has to answer the primary (ms). */
  replyMs?: number;
}

export interface RunningWorkers {
  /** The address traffic is accepted on, shared by every worker. */
  readonly listen: { host: string; port: number };
  readonly control: Endpoint;
  /** Pids of the workers serving traffic now. */
  workerPids(): number[];
  /** Graceful stop: every worker drains its in-flight requests, then exits. */
  close(graceMs?: number): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
/** A worker that dies sooner than this after starting is restarted with a growing delay. */
const STABLE_MS = 10_000;
const MAX_RESTART_DELAY_MS = 5_000;

interface WorkerSlot {
  worker: Worker;
  /** Has said hello and been sent the table: table changes go to it too. */
  initialised: boolean;
  ready: boolean;
  startedAt: number;
}

type Reply<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

/**
 * Runs the router as a primary and `workers` processes sharing one listening
 * socket (Node's cluster module; the primary hands out connections round
 * robin). The primary owns the control API and the state file; every worker
 * runs its own weighted round-robin, so "10 %" holds exactly in each worker.
 * A table change is persisted, then sent to every worker, and answered once
 * all have applied it; a worker that does not answer is replaced, and a new
 * worker always starts from the table in force. Statistics are gathered
 * from every worker and added up.
 */
export async function startRouterWorkers(options: WorkersOptions): Promise<RunningWorkers> {
  if (!cluster.isPrimary) throw new Error('router workers are started from the primary');
  const routes = await AppliedRoutes.load(options.statePath);
  const graceMs = options.graceMs ?? 10_000;
  const replyMs = options.replyMs ?? 5_000;
  const slots = new Map<number, WorkerSlot>();
  const pending = new Map<
    number,
    { worker: number; resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }
  >();
  const startedAt = Date.now();
  let nextId = 1;
  let stopping = false;
  let quickDeaths = 0;
  const restartTimers = new Set<NodeJS.Timeout>();

  cluster.setupPrimary({ exec: MAIN, args: [], serialization: 'advanced', silent: false });

  const post = (worker: Worker, message: PrimaryMessage) => {
    if (worker.isConnected()) worker.send(message);
  };

  function ask<T extends WorkerMessage['type']>(
    slot: WorkerSlot,
    message: PrimaryMessage & { id: number },
  ): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(message.id);
        reject(new Error(`worker ${slot.worker.process.pid} did not answer ${message.type}`));
      }, replyMs);
      pending.set(message.id, {
        worker: slot.worker.id,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as Reply<T>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      post(slot.worker, message);
    });
  }

  const fork = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      const slot: WorkerSlot = { worker, initialised: false, ready: false, startedAt: Date.now() };
      slots.set(worker.id, slot);
      worker.on('message', (message: WorkerMessage) => {
        switch (message.type) {
          case 'hello':
            slot.initialised = true;
            post(worker, {
              type: 'init',
              // Every worker asks for the same (host, port), even port 0, so the
              // cluster hands them all the one listening socket.
              listen: options.listen,
              timeoutMs: options.timeoutMs,
              graceMs,
              ...routes.current,
            });
            return;
          case 'ready':
            slot.ready = true;
            resolve(message.port);
            return;
          case 'failed':
            reject(new Error(`router worker could not start: ${message.message}`));
            return;
          default: {
            const waiter = pending.get(message.id);
            pending.delete(message.id);
            waiter?.resolve(message);
          }
        }
      });
      worker.once('exit', (code, signal) => {
        slots.delete(worker.id);
        for (const [id, waiter] of pending) {
          if (waiter.worker !== worker.id) continue;
          pending.delete(id);
          waiter.reject(new Error(`worker ${worker.process.pid} exited`));
        }
        if (!slot.ready) {
          reject(
            new Error(`router worker exited (code ${code}, signal ${signal}) before it was ready`),
          );
        }
        if (!stopping) replace(slot);
      });
    });

  const replace = (dead: WorkerSlot) => {
    quickDeaths = Date.now() - dead.startedAt < STABLE_MS ? quickDeaths + 1 : 0;
    const delay = quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** quickDeaths);
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (stopping) return;
      fork().catch((error: unknown) => {
        process.stderr.write(`router: ${String(error)}\n`);
      });
    }, delay);
    restartTimers.add(timer);
  };

  const live = () => [...slots.values()].filter((slot) => slot.initialised);

  const stopWorkers = async (grace: number) => {
    stopping = true;
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    const exits = [...slots.values()].map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.worker.isDead()) {
            resolve();
            return;
          }
          slot.worker.once('exit', () => {
            resolve();
          });
          if (slot.initialised) post(slot.worker, { type: 'close', graceMs: grace });
          else slot.worker.process.kill('SIGTERM');
        }),
    );
    const deadline = setTimeout(() => {
      for (const slot of slots.values()) slot.worker.process.kill('SIGKILL');
    }, grace + 2_000);
    await Promise.all(exits);
    clearTimeout(deadline);
  };

  let ports: number[];
  try {
    ports = await Promise.all(Array.from({ length: options.workers }, fork));
  } catch (error) {
    await stopWorkers(0);
    throw error;
  }
  const port = ports[0] ?? options.listen.port;

  const control = createControlServer({
    now: () => Date.now(),
    stats: async (from, to, withSamples): Promise<StatsWindow> => {
      const parts = await Promise.allSettled(
        live().map((slot) =>
          ask<'stats'>(slot, { type: 'stats', id: nextId++, from, to, withSamples }),
        ),
      );
      const fulfilled: StatsPart[] = [];
      for (const part of parts) if (part.status === 'fulfilled') fulfilled.push(part.value.part);
      return summariseParts(windowSeconds(from, to), fulfilled, {
        withSamples,
        samplesPerWindow: 5000,
        random: Math.random,
      });
    },
    routes: () => routes.current,
    applyRoutes: (next) =>
      routes.apply(next, async (revision, table) => {
        await Promise.all(
          live().map((slot) =>
            ask<'applied'>(slot, { type: 'table', id: nextId++, revision, table }).catch(() => {
              // A worker that cannot take the table is replaced by one that starts with it.
              slot.worker.process.kill('SIGKILL');
            }),
          ),
        );
      }),
    health: async (): Promise<RouterHealth> => {
      const answers = await Promise.allSettled(
        live().map(async (slot) => ({
          pid: slot.worker.process.pid ?? 0,
          reply: await ask<'health'>(slot, { type: 'health', id: nextId++ }),
        })),
      );
      const workers = answers.flatMap((a) =>
        a.status === 'fulfilled' ? [{ pid: a.value.pid, inFlight: a.value.reply.inFlight }] : [],
      );
      const closing = answers.some((a) => a.status === 'fulfilled' && a.value.reply.closing);
      return {
        status: stopping || closing ? 'draining' : 'ok',
        pid: process.pid,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        revision: routes.revision,
        inFlight: workers.reduce((sum, w) => sum + w.inFlight, 0),
        workers,
      };
    },
  });

  let controlAt: Endpoint;
  try {
    controlAt = await listenOn(control, options.control);
  } catch (error) {
    await stopWorkers(0);
    throw error;
  }
  return {
    listen: { host: options.listen.host, port },
    control: controlAt,
    workerPids: () => [...slots.values()].map((slot) => slot.worker.process.pid ?? 0),
    async close(grace = graceMs) {
      const controlClosed = closeServer(control);
      await stopWorkers(grace);
      await controlClosed;
    },
  };
}
