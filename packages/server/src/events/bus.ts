import { Feed, type DroppedMarker, type SubscribeOptions } from '../streams/index.js';
import { SeqRing } from '../streams/index.js';
import type { BusEvent, EventName, WorkloadEvents } from './types.js';
import { systemDateClock } from '../clock.js';

/** What a subscriber of the bus receives. */
export type EventMessage = { type: 'event'; event: BusEvent } | DroppedMarker;

export interface EventFilter {
  /** Only these event names; all when absent or empty. */
  types?: readonly EventName[];
  /** Only this tenant's events; every tenant's when absent (the server's own use). */
  tenant?: string;
}

/** What a workload controller publishes through: the bus as seen by one tenant. */
export interface EventPublisher {
  publish<K extends EventName>(type: K, data: WorkloadEvents[K]): BusEvent<K>;
}

/** An event as the bus keeps it: with the tenant it belongs to, which is never sent. */
type Kept = BusEvent & { readonly tenant: string };

export interface EventBusOptions {
  /** How many recent events are kept for clients that reconnect (default 5000). */
  ringSize?: number;
  clock?: () => Date;
  onError?: (error: unknown) => void;
}

/**
 * The workload controllers' events, numbered and kept for a while so a
 * client that reconnects with the last seq it saw misses nothing. Events
 * live in memory only: the seq starts again at 1 when the server starts.
 */
export class EventBus {
  readonly #ring: SeqRing<Kept>;
  readonly #feed: Feed<Kept, EventMessage>;
  readonly #clock: () => Date;
  #seq = 0;

  constructor(options: EventBusOptions = {}) {
    this.#ring = new SeqRing<Kept>(options.ringSize ?? 5000);
    this.#clock = options.clock ?? systemDateClock;
    this.#feed = new Feed<Kept, EventMessage>(
      { lastSeq: () => this.#seq, memory: this.#ring },
      (kept) => ({ type: 'event', event: sent(kept) }),
      {
        onError:
          options.onError ??
          ((error) => {
            process.emitWarning(error instanceof Error ? error : String(error));
          }),
      },
    );
  }

  get lastSeq(): number {
    return this.#seq;
  }

  /** Numbers, keeps and delivers one event of a tenant. */
  publish<K extends EventName>(type: K, data: WorkloadEvents[K], tenant: string): BusEvent<K> {
    const event: BusEvent<K> = { seq: ++this.#seq, time: this.#clock().toISOString(), type, data };
    const kept: Kept = { ...event, tenant };
    this.#ring.push(kept);
    this.#feed.offer(kept);
    return event;
  }

  /** The bus as one tenant's controllers publish to it. */
  tenant(tenant: string): EventPublisher {
    return { publish: (type, data) => this.publish(type, data, tenant) };
  }

  /**
   * Replays the kept events after `since` (null: live only) that pass the
   * filter, then live ones. A `since` older than what is kept gets a
   * `dropped` marker for the gap. Returns the unsubscribe function.
   */
  subscribe(
    filter: EventFilter,
    since: number | null,
    send: (message: EventMessage) => boolean,
    options: SubscribeOptions = {},
  ): () => void {
    const types = filter.types && filter.types.length > 0 ? new Set(filter.types) : null;
    const { tenant } = filter;
    return this.#feed.subscribe(
      (event) =>
        (tenant === undefined || event.tenant === tenant) &&
        (types === null || types.has(event.type)),
      since,
      send,
      options,
    );
  }

  /** The newest `limit` events of a tenant (of all when absent), newest first. */
  recent(limit: number, tenant?: string): BusEvent[] {
    const out: BusEvent[] = [];
    for (const event of this.#ring.newestFirst()) {
      if (out.length >= limit) break;
      if (tenant === undefined || event.tenant === tenant) out.push(sent(event));
    }
    return out;
  }

  /** A page of the events kept in memory, by keyset on seq (see `SeqRing.page`). */
  page(
    options: Omit<Parameters<SeqRing<BusEvent>['page']>[0], 'keep'> & {
      keep: (event: BusEvent) => boolean;
      /** Only this tenant's events; every tenant's when absent. */
      tenant?: string;
    },
  ): { items: BusEvent[]; total: number; next: number | null } {
    const { tenant, keep, ...rest } = options;
    const found = this.#ring.page({
      ...rest,
      keep: (event) => (tenant === undefined || event.tenant === tenant) && keep(event),
    });
    return { ...found, items: found.items.map(sent) };
  }

  /** Ends every subscription (and its timers). */
  close(): void {
    this.#feed.close();
  }
}

/** The event without its tenant: what subscribers and the API see. */
function sent(kept: Kept): BusEvent {
  const { tenant: _tenant, ...event } = kept;
  return event;
}
