import { rollUp, windowStart, type UsageRollup, type UsageWindow } from '@codedance/core';
import type { Logger } from 'pino';
import type { DateClock } from '../clock.js';
import { compareAndSet, listAll, type Store } from '../store/index.js';

/** The store kind of one tenant's use of one resource in one UTC hour. */
export const USAGE_KIND = 'usage-hour';

interface UsageHour {
  resource: string;
  /** ISO start of the hour. */
  start: string;
  amount: number;
  /** How many recorded uses the amount sums. */
  events: number;
}

interface Pending {
  tenant: string;
  resource: string;
  start: number;
  amount: number;
  events: number;
}

/** How often counted use is written to the store. */
export const USAGE_FLUSH_MS = 10_000;

/**
 * Meters what tenants use (API calls today; CPU- and GPU-seconds as workloads report them).
 * Counting is in memory and costs nothing per call; every few seconds, and when the server stops,
 * the counts are added to one record per tenant, resource and hour in the store, by
 * compare-and-set, so several servers add up and a restart loses nothing written. A write that
 * fails (the store is down) keeps its counts for the next flush.
 */
export class UsageMeter {
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: () => Store,
    private readonly clock: DateClock,
    private readonly logger: Logger,
  ) {}

  /** Counts `amount` of a resource used by a tenant now. */
  count(tenant: string, resource: string, amount = 1): void {
    const start = windowStart(this.clock().getTime(), 'hour');
    const key = JSON.stringify([tenant, resource, start]);
    const row = this.#pending.get(key);
    if (row) {
      row.amount += amount;
      row.events += 1;
    } else {
      this.#pending.set(key, { tenant, resource, start, amount, events: 1 });
    }
  }

  /** Flushes every `everyMs` until `stop`. */
  start(everyMs = USAGE_FLUSH_MS): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), everyMs);
    this.#timer.unref();
  }

  /** Stops the timer and writes what is counted. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  /** Writes what is counted; one flush at a time. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    for (const row of batch) {
      try {
        await this.#add(row);
      } catch (error) {
        // Keep it for the next flush, added to whatever came since.
        this.#restore(row);
        this.logger.warn(
          { err: error, tenant: row.tenant, resource: row.resource },
          'usage not written yet',
        );
      }
    }
  }

  /** Adds a pending row to its hour's record; answers the hour's new total. */
  #add(row: Pending): Promise<number> {
    const start = new Date(row.start).toISOString();
    return compareAndSet<UsageHour, number>(
      this.store(),
      { tenant: row.tenant, kind: USAGE_KIND, id: `${row.resource}@${start}` },
      (current) => {
        const amount = (current?.data.amount ?? 0) + row.amount;
        const events = (current?.data.events ?? 0) + row.events;
        return { write: { resource: row.resource, start, amount, events }, result: amount };
      },
    );
  }

  #restore(row: Pending): void {
    const key = JSON.stringify([row.tenant, row.resource, row.start]);
    const newer = this.#pending.get(key);
    this.#pending.set(
      key,
      newer
        ? { ...row, amount: row.amount + newer.amount, events: row.events + newer.events }
        : row,
    );
  }

  /**
   * A tenant's recorded use per hour or day between two moments (the windows that start in
   * `[from, to)`), oldest first; only what is flushed, so up to `USAGE_FLUSH_MS` behind.
   */
  async report(
    tenant: string,
    options: { window: UsageWindow; from?: number; to?: number; resource?: string },
  ): Promise<UsageRollup[]> {
    const records = await listAll<UsageHour>(
      this.store(),
      tenant,
      USAGE_KIND,
      options.resource === undefined ? undefined : { resource: options.resource },
    );
    const from = options.from === undefined ? -Infinity : windowStart(options.from, options.window);
    const to = options.to ?? Infinity;
    const events = records
      .map((r) => ({
        tenant,
        resource: r.data.resource,
        amount: r.data.amount,
        uses: r.data.events,
        at: Date.parse(r.data.start),
      }))
      .filter((e) => e.at >= from && e.at < to);
    return rollUp(events, options.window);
  }
}
