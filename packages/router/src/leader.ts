import { spawn, type ChildProcess } from 'node:child_process';
import type { Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createControlServer, type RouterHealth } from './control.js';
import { GroupLink, type FollowerMessage, type LeaderMessage } from './group.js';
import { closeServer, listenOn, type AppliedRoutes, type Endpoint } from './process.js';
import { summariseParts, windowSeconds, type StatsPart, type StatsWindow } from './stats.js';
import type { RouteTable } from './table.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
/** A follower that dies sooner than this after it was started is started again with a growing delay. */
const STABLE_MS = 10_000;
const MAX_RESTART_DELAY_MS = 5_000;
/** How long a follower has to answer the leader. */
const REPLY_MS = 5_000;

/** What the leader needs from the process it runs in, which serves traffic too. */
export interface LeaderHost {
  readonly listen: { host: string; port: number };
  /** The listening socket every peer shares; handed to each new follower. */
  readonly listener: Server | undefined;
  readonly inFlight: number;
  readonly closing: boolean;
  statsPart(from: number, to: number, withSamples: boolean): StatsPart;
  setTable(revision: number, table: RouteTable): void;
  /** Arguments that start a follower of this group (without `--peer`). */
  followerArgs(control: Endpoint): string[];
  /** Stops this process (after draining); `code` is its exit status. */
  stop(graceMs: number, code?: number): void;
}

interface Follower {
  readonly link: GroupLink<FollowerMessage, LeaderMessage>;
  pid: number;
  ready: boolean;
  /** When this leader started it; undefined for one that joined on its own. */
  startedAt: number | undefined;
}

type Reply<T extends FollowerMessage['type']> = Extract<FollowerMessage, { type: T }>;
type Waiter = {
  link: Follower['link'];
  resolve: (m: FollowerMessage) => void;
  reject: (e: Error) => void;
};

/**
 * The leader's duties: the control API, the state file, and the group's
 * size. It starts followers (each gets the listening socket over an IPC
 * channel), welcomes followers that lost their previous leader, replaces a
 * follower that dies at once, and stops one too many.
 */
export class Leadership {
  private readonly followers = new Map<Follower['link'], Follower>();
  /** Processes started and not yet joined, by pid. */
  private readonly starting = new Map<number, { child: ChildProcess; startedAt: number }>();
  private readonly pending = new Map<number, Waiter>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sizedWaiters: (() => void)[] = [];
  private readonly control: HttpServer;
  private controlAt: Endpoint | undefined;
  private nextId = 1;
  private quickDeaths = 0;
  /** Followers to start once a restart delay is over. */
  private delayed = 0;
  private stopping = false;
  private readonly since = Date.now();

  constructor(
    private readonly host: LeaderHost,
    private readonly groupServer: Server,
    private readonly routes: AppliedRoutes,
    private readonly size: number,
  ) {
    this.control = createControlServer({
      now: () => Date.now(),
      stats: (from, to, withSamples) => this.stats(from, to, withSamples),
      routes: () => this.routes.current,
      applyRoutes: (next) =>
        this.routes.apply(next, (revision, table) => this.goLive(revision, table)),
      health: () => this.health(),
    });
    groupServer.on('connection', (socket: Socket) => {
      this.accept(socket);
    });
  }

  get revision(): number {
    return this.routes.revision;
  }

  /**
   * Opens the control API and brings the group to its size. `settleMs`
   * gives followers of a dead leader time to rejoin before any is started.
   */
  async start(control: Endpoint, settleMs: number): Promise<Endpoint> {
    this.controlAt = await listenOn(this.control, control);
    this.later(settleMs, () => {
      this.reconcile();
    });
    return this.controlAt;
  }

  /** Resolves once the group has its size (or `deadlineMs` has passed). */
  sized(deadlineMs: number): Promise<void> {
    if (this.readyCount() >= this.size - 1) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, deadlineMs);
      this.sizedWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  pids(): number[] {
    return [process.pid, ...[...this.followers.values()].map((f) => f.pid)];
  }

  private readyCount(): number {
    let ready = 0;
    for (const follower of this.followers.values()) if (follower.ready) ready++;
    return ready;
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private accept(socket: Socket): void {
    const link = new GroupLink<FollowerMessage, LeaderMessage>(socket, (message) => {
      this.onMessage(link, message);
    });
    socket.on('close', () => {
      this.lost(link);
    });
  }

  private onMessage(link: Follower['link'], message: FollowerMessage): void {
    switch (message.type) {
      case 'hello': {
        const started = this.starting.get(message.pid);
        this.starting.delete(message.pid);
        this.followers.set(link, {
          link,
          pid: message.pid,
          ready: message.serving,
          startedAt: started?.startedAt,
        });
        const { revision, table } = this.routes.current;
        link.send({ type: 'welcome', revision, table });
        if (message.serving) this.grew();
        return;
      }
      case 'ready': {
        const follower = this.followers.get(link);
        if (follower !== undefined) follower.ready = true;
        this.grew();
        return;
      }
      default: {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        waiter?.resolve(message);
      }
    }
  }

  private grew(): void {
    this.reconcile();
    if (this.readyCount() >= this.size - 1) {
      for (const wake of this.sizedWaiters.splice(0)) wake();
    }
  }

  private lost(link: Follower['link']): void {
    const follower = this.followers.get(link);
    this.followers.delete(link);
    for (const [id, waiter] of this.pending) {
      if (waiter.link !== link) continue;
      this.pending.delete(id);
      waiter.reject(new Error(`follower ${follower?.pid ?? '?'} left`));
    }
    if (follower === undefined || this.stopping) return;
    const quick = follower.startedAt !== undefined && Date.now() - follower.startedAt < STABLE_MS;
    this.quickDeaths = quick ? this.quickDeaths + 1 : 0;
    this.reconcile();
  }

  /** Starts followers the group lacks, and stops those it has too many of. */
  private reconcile(): void {
    if (this.stopping) return;
    const want = this.size - 1;
    let have = this.followers.size + this.starting.size + this.delayed;
    if (have < want) {
      const delay =
        this.quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** this.quickDeaths);
      for (; have < want; have++) {
        if (delay === 0) {
          this.startFollower();
          continue;
        }
        // Counted already, so a reconcile meanwhile does not start it twice.
        this.delayed++;
        this.later(delay, () => {
          this.delayed--;
          if (this.followers.size + this.starting.size + this.delayed < want) this.startFollower();
        });
      }
    }
    const extra = [...this.followers.values()].filter((f) => f.ready).slice(want);
    for (const follower of extra) {
      this.followers.delete(follower.link);
      follower.link.send({ type: 'stop', graceMs: 10_000 });
    }
  }

  private startFollower(): void {
    const listener = this.host.listener;
    if (listener === undefined || this.controlAt === undefined) return;
    const child = spawn(
      process.execPath,
      [MAIN, ...this.host.followerArgs(this.controlAt), '--peer'],
      { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    const pid = child.pid;
    if (pid === undefined) {
      // It could not even be started: try again later.
      child.once('error', () => undefined);
      this.quickDeaths++;
      this.delayed++;
      this.later(MAX_RESTART_DELAY_MS, () => {
        this.delayed--;
        this.reconcile();
      });
      return;
    }
    this.starting.set(pid, { child, startedAt: Date.now() });
    child.on('message', (message: { type?: string }) => {
      // The follower has its table: now it may accept connections.
      if (message.type === 'listener?' && this.host.listener !== undefined) {
        child.send({ type: 'listener' }, this.host.listener);
      }
    });
    child.once('exit', () => {
      if (!this.starting.delete(pid) || this.stopping) return;
      // It died before it joined.
      this.quickDeaths++;
      this.reconcile();
    });
  }

  private ask<T extends FollowerMessage['type']>(
    follower: Follower,
    message: LeaderMessage & { id: number },
  ): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(message.id);
        reject(new Error(`follower ${follower.pid} did not answer ${message.type}`));
      }, REPLY_MS);
      this.pending.set(message.id, {
        link: follower.link,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as Reply<T>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      follower.link.send(message);
    });
  }

  private live(): Follower[] {
    return [...this.followers.values()].filter((f) => f.ready);
  }

  /** A table change: live here at once, then in every follower before it is answered. */
  private async goLive(revision: number, table: RouteTable): Promise<void> {
    this.host.setTable(revision, table);
    await Promise.all(
      [...this.followers.values()].map((follower) =>
        this.ask<'applied'>(follower, { type: 'table', id: this.nextId++, revision, table }).catch(
          () => {
            // A follower that cannot take the table is replaced by one that starts with it.
            kill(follower.pid, 'SIGKILL');
          },
        ),
      ),
    );
  }

  private async stats(from: number, to: number, withSamples: boolean): Promise<StatsWindow> {
    const answers = await Promise.allSettled(
      this.live().map((f) =>
        this.ask<'stats'>(f, { type: 'stats', id: this.nextId++, from, to, withSamples }),
      ),
    );
    const parts = [this.host.statsPart(from, to, withSamples)];
    for (const answer of answers) if (answer.status === 'fulfilled') parts.push(answer.value.part);
    return summariseParts(windowSeconds(from, to), parts, {
      withSamples,
      samplesPerWindow: 5000,
      random: Math.random,
    });
  }

  private async health(): Promise<RouterHealth> {
    const answers = await Promise.allSettled(
      this.live().map(async (f) => ({
        pid: f.pid,
        reply: await this.ask<'health'>(f, { type: 'health', id: this.nextId++ }),
      })),
    );
    const workers = [{ pid: process.pid, inFlight: this.host.inFlight }];
    let closing = this.stopping || this.host.closing;
    for (const answer of answers) {
      if (answer.status !== 'fulfilled') continue;
      workers.push({ pid: answer.value.pid, inFlight: answer.value.reply.inFlight });
      closing ||= answer.value.reply.closing;
    }
    return {
      status: closing ? 'draining' : 'ok',
      pid: process.pid,
      listen: `${this.host.listen.host}:${this.host.listen.port}`,
      uptimeSeconds: Math.round((Date.now() - this.since) / 1000),
      revision: this.routes.revision,
      inFlight: workers.reduce((sum, w) => sum + w.inFlight, 0),
      workers,
    };
  }

  /**
   * The router stops: every follower drains and exits; resolves once all
   * have left (those that have not after `graceMs` and 2 s more are killed).
   * The control API answers `draining` until `close`.
   */
  async stopFollowers(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const { child } of this.starting.values()) child.kill('SIGTERM');
    const left = [...this.followers.values()].map(
      (follower) =>
        new Promise<void>((resolve) => {
          if (follower.link.socket.destroyed) resolve();
          else {
            follower.link.socket.once('close', () => {
              resolve();
            });
          }
          follower.link.send({ type: 'stop', graceMs });
        }),
    );
    const deadline = setTimeout(() => {
      for (const follower of this.followers.values()) kill(follower.pid, 'SIGKILL');
    }, graceMs + 2_000);
    await Promise.all(left);
    clearTimeout(deadline);
  }

  /** Closes the control API and the group's socket. */
  async close(): Promise<void> {
    this.groupServer.close();
    await closeServer(this.control);
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
