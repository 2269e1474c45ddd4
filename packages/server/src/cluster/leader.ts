import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Fence, Leases } from '../store/index.js';

/** Whether this process leads, and under which fencing token. */
export interface LeaderState {
  leader: boolean;
  /** The token of the grant it leads under; null when it does not lead. */
  token: number | null;
}

export interface LeaderEvents {
  /** Leadership was gained or lost, or regained under a new token. */
  change: [state: LeaderState];
}

export interface LeaderElectorOptions {
  /** The store's leases; a function, so a store that is down answers 503 on each attempt. */
  leases: () => Leases;
  /** The lease contended for; one name per thing to lead. */
  name: string;
  /** Unique to this process; `processHolder()` by default. */
  holder?: string;
  /** How long a grant lasts without renewal; default 15 s. */
  ttlMs?: number;
  /** How often to renew (or, when not leading, to try); default a third of the ttl. */
  renewEveryMs?: number;
  /** Milliseconds since the epoch. */
  clock: () => number;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

const DEFAULT_TTL_MS = 15_000;

/** A holder name unique to this process: host, pid and a random part. */
export function processHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Keeps trying to hold one lease, and renews it while it does, so that one
 * of several servers sharing a store leads.
 *
 * It judges its own leadership conservatively: a grant counts from the
 * moment the request was sent, not from when the answer came, so it steps
 * down (and says so) no later than the store could hand the lease to
 * another, even when the store stops answering. What a leader writes should
 * still carry `fence()`: a process paused longer than its ttl learns it lost
 * the lease only when it wakes, and the fence is what stops its writes then.
 */
export class LeaderElector extends EventEmitter<LeaderEvents> {
  readonly name: string;
  readonly holder: string;
  readonly #options: LeaderElectorOptions;
  readonly #ttlMs: number;
  readonly #renewEveryMs: number;
  #token: number | null = null;
  /** By the local clock: when this process stops counting itself leader without a renewal. */
  #until = 0;
  #next: NodeJS.Timeout | null = null;
  #deadline: NodeJS.Timeout | null = null;
  #attempt: Promise<void> | null = null;
  #running = false;

  constructor(options: LeaderElectorOptions) {
    super();
    this.#options = options;
    this.name = options.name;
    this.holder = options.holder ?? processHolder();
    this.#ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
    this.#renewEveryMs = options.renewEveryMs ?? Math.floor(this.#ttlMs / 3);
    if (!(this.#renewEveryMs > 0 && this.#renewEveryMs < this.#ttlMs)) {
      throw new RangeError('renewEveryMs must be more than 0 and less than ttlMs');
    }
  }

  /** Tries at once, then on every renewal period until `stop()`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  isLeader(): boolean {
    return this.#token !== null && this.#options.clock() < this.#until;
  }

  state(): LeaderState {
    return this.isLeader() ? { leader: true, token: this.#token } : { leader: false, token: null };
  }

  /** What a leader's writes carry, so the store refuses them once the lease has moved on. */
  fence(): Fence | null {
    return this.isLeader() && this.#token !== null
      ? { lease: this.name, token: this.#token }
      : null;
  }

  /** Stops trying, steps down, and releases the lease so another can lead at once. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#clearTimers();
    await this.#attempt;
    this.#become(null);
    try {
      await this.#options.leases().release(this.name, this.holder);
    } catch (error) {
      this.#options.logger?.warn(
        { err: error, lease: this.name },
        'releasing the lease failed; it ends when its ttl runs out',
      );
    }
  }

  #schedule(delayMs: number): void {
    this.#next = setTimeout(() => {
      this.#next = null;
      this.#attempt = this.#tryOnce().finally(() => {
        this.#attempt = null;
        if (this.#running) this.#schedule(this.#renewEveryMs);
      });
    }, delayMs);
  }

  async #tryOnce(): Promise<void> {
    const sentAt = this.#options.clock();
    try {
      const grant = await this.#options.leases().acquire(this.name, this.holder, this.#ttlMs);
      if (!this.#running) return;
      if (!grant.acquired) {
        this.#become(null);
        return;
      }
      // An answer that came after the grant's own deadline proves nothing; the next try renews.
      if (this.#options.clock() >= sentAt + this.#ttlMs) return;
      this.#until = sentAt + this.#ttlMs;
      this.#armDeadline();
      this.#become(grant.token);
    } catch (error) {
      this.#options.logger?.warn(
        { err: error, lease: this.name },
        'could not reach the store to hold the lease; trying again',
      );
    }
  }

  /** Steps down when the local deadline passes without a renewal. */
  #armDeadline(): void {
    if (this.#deadline) clearTimeout(this.#deadline);
    const wait = Math.max(0, this.#until - this.#options.clock());
    this.#deadline = setTimeout(() => {
      this.#deadline = null;
      if (this.#options.clock() < this.#until) this.#armDeadline();
      else this.#become(null);
    }, wait);
  }

  #become(token: number | null): void {
    if (token === this.#token) return;
    const previous = this.#token;
    this.#token = token;
    if (token === null) {
      if (this.#deadline) clearTimeout(this.#deadline);
      this.#deadline = null;
      this.#options.logger?.info({ lease: this.name, token: previous }, 'no longer leading');
    } else {
      this.#options.logger?.info({ lease: this.name, token }, 'leading');
    }
    this.emit('change', { leader: token !== null, token });
  }

  #clearTimers(): void {
    if (this.#next) clearTimeout(this.#next);
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#next = null;
    this.#deadline = null;
  }
}
