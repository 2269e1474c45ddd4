import type { UsageWindow } from './limits.js';

const WINDOW_MS: Readonly<Record<UsageWindow, number>> = { hour: 3_600_000, day: 86_400_000 };

/** One recorded use: appended, never changed. */
export interface UsageEvent {
  tenant: string;
  resource: string;
  amount: number;
  at: number;
  /** How many uses the event stands for, when it sums several already; 1 when absent. */
  uses?: number;
}

/** The total of one resource for one tenant over one window. */
export interface UsageRollup {
  tenant: string;
  resource: string;
  window: UsageWindow;
  /** The window's start, in milliseconds since the epoch (UTC). */
  start: number;
  amount: number;
  events: number;
}

/** The start of the UTC hour or day a moment falls in. */
export function windowStart(at: number, window: UsageWindow): number {
  const size = WINDOW_MS[window];
  return Math.floor(at / size) * size;
}

/** The end (exclusive) of the window a moment falls in: when a per-window count starts over. */
export function windowEnd(at: number, window: UsageWindow): number {
  return windowStart(at, window) + WINDOW_MS[window];
}

/** Roll usage events up per tenant, resource and window, ordered by start, tenant and resource. */
export function rollUp(events: Iterable<UsageEvent>, window: UsageWindow): UsageRollup[] {
  const rows = new Map<string, UsageRollup>();
  for (const event of events) {
    const start = windowStart(event.at, window);
    const key = JSON.stringify([start, event.tenant, event.resource]);
    const row = rows.get(key);
    if (row) {
      row.amount += event.amount;
      row.events += event.uses ?? 1;
    } else {
      rows.set(key, {
        tenant: event.tenant,
        resource: event.resource,
        window,
        start,
        amount: event.amount,
        events: event.uses ?? 1,
      });
    }
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.start - b.start || a.tenant.localeCompare(b.tenant) || a.resource.localeCompare(b.resource),
  );
}
