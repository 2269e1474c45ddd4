import { Server, connect, createServer } from 'node:net';
import { GroupLink, groupAddress, type FollowerMessage, type LeaderMessage } from './group.js';
import { Leadership } from './leader.js';
import { AppliedRoutes, type Endpoint } from './process.js';
import { RouterProxy } from './proxy.js';
import { RouterStats, type StatsPart } from './stats.js';
import type { RouteTable } from './table.js';

export interface PeerOptions {
  listen: { host: string; port: number };
  control: Endpoint;
  statePath?: string;
  timeoutMs?: number;
  graceMs: number;
  /** Processes in the group, this one included. */
  size: number;
  /** The group's name (see `groupName`). */
  group: string;
}

/** How long a peer that lost its leader keeps trying to lead or rejoin before it gives up. */
const REJOIN_MS = 10_000;

function log(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, pid: process.pid, ...fields })}\n`);
}

function describe(endpoint: Endpoint): string {
  return 'path' in endpoint ? endpoint.path : `${endpoint.host}:${endpoint.port}`;
}

/** Binds the group's name: resolves with the server when this process now leads. */
function claim(group: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(error);
    });
    server.listen(groupAddress(group), () => {
      resolve(server);
    });
  });
}

/**
 * One router process. Every peer serves traffic from the shared listening
 * socket with its own proxy and statistics; one of them also leads (see
 * `Leadership`). A peer whose leader dies takes over the leadership or, when
 * another peer was quicker, joins it: the traffic it serves never stops.
 */
export class Peer {
  private readonly stats = new RouterStats();
  private proxy: RouterProxy | undefined;
  listener: Server | undefined;
  private revision = -1;
  private link: GroupLink<LeaderMessage, FollowerMessage> | undefined;
  leadership: Leadership | undefined;
  private stopping = false;

  constructor(private readonly options: PeerOptions) {}

  get listen(): { host: string; port: number } {
    return this.options.listen;
  }

  get inFlight(): number {
    return this.proxy?.inFlight ?? 0;
  }

  get closing(): boolean {
    return this.proxy?.closing ?? false;
  }

  statsPart(from: number, to: number, withSamples: boolean): StatsPart {
    return this.stats.part(from, to, withSamples);
  }

  setTable(revision: number, table: RouteTable): void {
    // Messages keep their order, but an older table must never win over a newer one.
    if (revision < this.revision) return;
    this.revision = revision;
    if (this.proxy === undefined) {
      this.proxy = new RouterProxy({
        stats: this.stats,
        table,
        ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      });
    } else this.proxy.setTable(table);
  }

  followerArgs(control: Endpoint): string[] {
    const { listen, statePath, timeoutMs, graceMs, size, group } = this.options;
    return [
      '--listen',
      `${listen.host}:${listen.port}`,
      '--control',
      describe(control),
      ...(statePath === undefined ? [] : ['--state', statePath]),
      ...(timeoutMs === undefined ? [] : ['--timeout', String(timeoutMs)]),
      '--grace',
      String(graceMs),
      '--workers',
      String(size),
      '--group',
      group,
    ];
  }

  /**
   * Starts the group: takes its name, binds the listening socket, serves the
   * persisted table and leads. Resolves once the control API is up.
   */
  async found(): Promise<{ listen: { host: string; port: number }; control: Endpoint }> {
    const group = await claim(this.options.group);
    if (group === undefined) {
      throw new Error(`a router for ${describe(this.options.control)} is running already`);
    }
    const listener = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        listener.once('error', reject);
        listener.listen(this.options.listen.port, this.options.listen.host, () => {
          listener.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      group.close();
      throw error;
    }
    const address = listener.address();
    if (address !== null && typeof address === 'object') {
      this.options.listen = { host: this.options.listen.host, port: address.port };
    }
    const routes = await AppliedRoutes.load(this.options.statePath);
    this.setTable(routes.revision, routes.table);
    this.serve(listener);
    const control = await this.lead(group, routes, 0);
    return { listen: this.options.listen, control };
  }

  private serve(listener: Server): void {
    this.listener = listener;
    this.proxy?.attach(listener);
  }

  private async lead(group: Server, routes: AppliedRoutes, settleMs: number): Promise<Endpoint> {
    this.link = undefined;
    const leadership = new Leadership(this, group, routes, this.options.size);
    this.leadership = leadership;
    try {
      const control = await leadership.start(this.options.control, settleMs);
      this.options.control = control;
      return control;
    } catch (error) {
      await leadership.close();
      throw error;
    }
  }

  /** Starts as a follower of the leader that spawned this process. */
  join(): void {
    void this.connect(false).then((joined) => {
      // Without a leader there is no table and no socket to serve with.
      if (!joined) process.exit(1);
    });
  }

  /** Joins the group's leader; false when none answers. */
  private connect(serving: boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(groupAddress(this.options.group));
      const link = new GroupLink<LeaderMessage, FollowerMessage>(socket, (message) => {
        this.onMessage(message);
      });
      socket.once('connect', () => {
        this.link = link;
        link.send({ type: 'hello', pid: process.pid, revision: this.revision, serving });
        resolve(true);
      });
      socket.once('close', () => {
        if (this.link !== link) {
          resolve(false);
          return;
        }
        this.link = undefined;
        // A follower that never got the listening socket has nothing to carry on with.
        if (this.listener === undefined) process.exit(1);
        else void this.leaderLost();
      });
    });
  }

  private onMessage(message: LeaderMessage): void {
    const link = this.link;
    switch (message.type) {
      case 'welcome': {
        const first = this.proxy === undefined;
        this.setTable(message.revision, message.table);
        if (first) this.takeListener();
        return;
      }
      case 'table':
        this.setTable(message.revision, message.table);
        link?.send({ type: 'applied', id: message.id, revision: this.revision });
        return;
      case 'stats':
        link?.send({
          type: 'stats',
          id: message.id,
          part: this.stats.part(message.from, message.to, message.withSamples),
        });
        return;
      case 'health':
        link?.send({
          type: 'health',
          id: message.id,
          inFlight: this.inFlight,
          closing: this.closing,
        });
        return;
      case 'stop':
        this.stop(message.graceMs);
        return;
    }
  }

  /** Asks the parent for the listening socket, now that there is a table to serve. */
  private takeListener(): void {
    process.once('message', (message: { type?: string }, handle: unknown) => {
      if (message.type !== 'listener' || !(handle instanceof Server)) return;
      this.serve(handle);
      // The group socket is the link from now on: this process must outlive its parent.
      process.disconnect();
      this.link?.send({ type: 'ready' });
    });
    process.send?.({ type: 'listener?' });
  }

  /** The leader is gone: lead in its place, or join whoever was quicker. */
  private async leaderLost(): Promise<void> {
    const deadline = Date.now() + REJOIN_MS;
    while (!this.stopping) {
      let group: Server | undefined;
      let routes: AppliedRoutes;
      try {
        // Read before the name is taken: from then on followers may knock, and the
        // leadership must be there, in the same tick, to answer them.
        routes = await this.routesToLead();
        group = await claim(this.options.group);
      } catch (error) {
        log('takeover-failed', { error: String(error) });
        this.stop(this.options.graceMs, 1);
        return;
      }
      if (group !== undefined) {
        await this.takeOver(group, routes);
        return;
      }
      if (await this.connect(true)) return;
      if (Date.now() > deadline) {
        log('leaderless');
        this.stop(this.options.graceMs, 1);
        return;
      }
      // The name is taken but nobody answers yet: the new leader is still starting.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** The state file is the truth; without one, the table this process serves. */
  private routesToLead(): Promise<AppliedRoutes> {
    if (this.options.statePath === undefined && this.proxy !== undefined) {
      return Promise.resolve(AppliedRoutes.of(this.revision, this.proxy.table));
    }
    return AppliedRoutes.load(this.options.statePath);
  }

  private async takeOver(group: Server, routes: AppliedRoutes): Promise<void> {
    if (routes.revision > this.revision) this.setTable(routes.revision, routes.table);
    try {
      // Followers of the dead leader get a moment to rejoin before any is started.
      const control = await this.lead(group, routes, this.options.size > 2 ? 250 : 0);
      log('leading', { control: describe(control) });
    } catch (error) {
      log('takeover-failed', { error: String(error) });
      this.stop(this.options.graceMs, 1);
    }
  }

  /** Drains in-flight requests, then exits; as leader, the whole group first. */
  stop(graceMs: number, code = 0): void {
    if (this.stopping) return;
    this.stopping = true;
    const leadership = this.leadership;
    const own = this.proxy?.close(graceMs) ?? Promise.resolve();
    const followers = leadership?.stopFollowers(graceMs) ?? Promise.resolve();
    Promise.all([own, followers])
      .then(() => leadership?.close())
      .then(
        () => process.exit(code),
        () => process.exit(1),
      );
  }
}
