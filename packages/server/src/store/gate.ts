import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { StoreUnavailableError, isCodedanceError } from '@codedance/core';
import type { Store } from './index.js';
import { systemDateClock } from '../clock.js';

export interface StoreHealth {
  ok: boolean;
  /** Set once `open()` (connect + migrate) has succeeded. */
  opened: boolean;
  latencyMs: number | null;
  checkedAt: string | null;
  error: { code: string; message: string } | null;
}

export interface StoreGateEvents {
  up: [];
  down: [error: { code: string; message: string }];
}

/**
 * Keeps the store's health: opens it (retrying with backoff while it is
 * down, so the server starts and answers 503 instead of refusing to run),
 * then pings it periodically. Routes reach the store through `store()`,
 * which refuses with 503 until the store has been opened.
 */
export class StoreGate extends EventEmitter<StoreGateEvents> {
  private health: StoreHealth = {
    ok: false,
    opened: false,
    latencyMs: null,
    checkedAt: null,
    error: null,
  };
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private attempt = 0;

  constructor(
    private readonly backend: Store,
    private readonly logger: Logger,
    private readonly pingEveryMs = 5000,
  ) {
    super();
  }

  /** Tries to open now; on failure keeps trying in the background. Resolves either way. */
  async start(): Promise<void> {
    await this.tick();
  }

  /** The store, once it has been opened; else a 503. */
  store(): Store {
    if (!this.health.opened) {
      throw new StoreUnavailableError(this.backend.backend, this.health.error ?? undefined);
    }
    return this.backend;
  }

  /** The store even if it has not been opened yet (for info that needs no connection). */
  raw(): Store {
    return this.backend;
  }

  status(): StoreHealth {
    return { ...this.health };
  }

  /** Checks the store now and returns the fresh health. */
  async check(): Promise<StoreHealth> {
    if (!this.health.opened) {
      await this.tryOpen();
      return this.status();
    }
    const started = performance.now();
    try {
      await this.backend.ping();
      this.markUp(performance.now() - started);
    } catch (error) {
      this.markDown(error);
    }
    return this.status();
  }

  private async tryOpen(): Promise<void> {
    try {
      const started = performance.now();
      await this.backend.open();
      this.health.opened = true;
      this.attempt = 0;
      this.markUp(performance.now() - started);
    } catch (error) {
      this.attempt++;
      this.markDown(error);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.check();
    // close() may have run while the check was awaited.
    if (this.isStopped()) return;
    // While the store has never opened, retry sooner, backing off to the ping interval.
    const delay = this.health.opened
      ? this.pingEveryMs
      : Math.min(this.pingEveryMs, 250 * 2 ** Math.min(this.attempt, 5));
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private markUp(latencyMs: number): void {
    const wasDown = !this.health.ok;
    this.health = {
      ...this.health,
      ok: true,
      latencyMs: Math.round(latencyMs * 100) / 100,
      checkedAt: systemDateClock().toISOString(),
      error: null,
    };
    if (wasDown) {
      this.logger.info({ backend: this.backend.backend }, 'store is reachable');
      this.emit('up');
    }
  }

  private markDown(error: unknown): void {
    const wasUp = this.health.ok || this.health.checkedAt === null;
    const info = isCodedanceError(error)
      ? { code: error.code, message: withCause(error.message, error.cause) }
      : {
          code: 'CD_STORE_UNAVAILABLE',
          message: error instanceof Error ? error.message : String(error),
        };
    this.health = {
      ...this.health,
      ok: false,
      latencyMs: null,
      checkedAt: systemDateClock().toISOString(),
      error: info,
    };
    if (wasUp) {
      this.logger.error({ backend: this.backend.backend, err: error }, 'store is unreachable');
      this.emit('down', info);
    }
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  /** Stops pinging and closes the store. */
  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.backend.close();
  }
}

/** "The postgres store cannot be reached (connect ECONNREFUSED 127.0.0.1:5433)": say why. */
function withCause(message: string, cause: unknown): string {
  if (!(cause instanceof Error) || cause.message === '' || message.includes(cause.message))
    return message;
  const reason = cause.message.length > 200 ? `${cause.message.slice(0, 200)}…` : cause.message;
  return `${message.replace(/[.;]?\s*retry shortly\.?$/i, '')} (${reason}); retry shortly.`;
}
