import {
  CodedanceError,
  judgeQuota,
  windowStart,
  type CapacityLimit,
  type ConsumptionLimit,
  type QuotaVerdict,
} from '@codedance/core';
import type { DateClock } from '../clock.js';
import { compareAndSet, type Store } from '../store/index.js';

/** The store kind of a quota counter: one record per tenant, resource and window. */
export const COUNTER_KIND = 'quota-counter';

interface Counter {
  resource: string;
  /** ISO start of the window for consumption; absent for capacity. */
  window?: string;
  value: number;
}

type CountedLimit = CapacityLimit | ConsumptionLimit;

/**
 * The quota ledger: counters in the store, changed only by compare-and-set on the record's
 * version, so two servers (or two requests) racing for the last unit cannot both take it — the
 * loser re-reads and is judged again. Every backend gives that guarantee, so the ledger needs
 * nothing of its own from any of them.
 */
export class QuotaLedger {
  constructor(
    private readonly store: Store,
    private readonly clock: DateClock,
  ) {}

  /**
   * Takes `amount` units under a limit. A hard limit that would be passed is refused with
   * `CD_QUOTA_EXCEEDED`, whose details name the limit, the usage and what would still fit; a soft
   * one is taken and answered with `warning: true`.
   */
  reserve(tenant: string, limit: CountedLimit, amount: number): Promise<QuotaVerdict> {
    const base = this.#counterBase(limit);
    return compareAndSet<Counter, QuotaVerdict>(
      this.store,
      { tenant, kind: COUNTER_KIND, id: counterId(base) },
      (current) => {
        const used = current?.data.value ?? 0;
        const verdict = judgeQuota(limit, used, amount);
        if (!verdict.allowed) throw exceeded(tenant, limit, verdict);
        if (amount === 0) return { result: verdict };
        return { write: { ...base, value: used + amount }, result: verdict };
      },
    );
  }

  /** Gives capacity back (a service deleted, a model removed); never below zero. */
  release(tenant: string, limit: CapacityLimit, amount: number): Promise<number> {
    const base = this.#counterBase(limit);
    return compareAndSet<Counter, number>(
      this.store,
      { tenant, kind: COUNTER_KIND, id: counterId(base) },
      (current) => {
        if (!current) return { result: 0 };
        const value = Math.max(0, current.data.value - amount);
        return { write: { ...current.data, value }, result: value };
      },
    );
  }

  /** What a limit's counter stands at now (in the current window, for consumption). */
  async used(tenant: string, limit: CountedLimit): Promise<number> {
    const record = await this.store.get<Counter>(
      tenant,
      COUNTER_KIND,
      counterId(this.#counterBase(limit)),
    );
    return record?.data.value ?? 0;
  }

  #counterBase(limit: CountedLimit): Omit<Counter, 'value'> {
    if (limit.kind === 'capacity') return { resource: limit.resource };
    const start = windowStart(this.clock().getTime(), limit.per);
    return { resource: limit.resource, window: new Date(start).toISOString() };
  }
}

function counterId(base: Omit<Counter, 'value'>): string {
  return base.window === undefined ? base.resource : `${base.resource}@${base.window}`;
}

function exceeded(tenant: string, limit: CountedLimit, verdict: QuotaVerdict): CodedanceError {
  const window = limit.kind === 'consumption' ? ` per ${limit.per}` : '';
  return new CodedanceError('CD_QUOTA_EXCEEDED', {
    message:
      `Tenant '${tenant}' may use ${verdict.limit} ${limit.resource}${window}; ` +
      `${verdict.used} are used and ${verdict.requested} more were asked for ` +
      `(${verdict.fits} would fit).`,
    details: { tenant, resource: limit.resource, ...verdict },
  });
}
