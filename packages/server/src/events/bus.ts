import { Feed, type DroppedMarker, type SubscribeOptions } from '../streams/index.js';
import { SeqRing } from '../streams/index.js';
import type { BusEvent, EventName, WorkloadEvents } from './types.js';
import { systemDateClock } from '../clock.js';

/** What a subscriber of the bus receives. */
export type EventMessage = { type: 'event'; event: BusEvent } | DroppedMarker;

export interface EventFilter {
  /** Only these event names; all when absent or empty. */
  types?: readonly EventName[];
}

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
  readonly #ring: SeqRing<BusEvent>;
  readonly #feed: Feed<BusEvent, EventMessage>;
  readonly #clock: () => Date;
  #seq = 0;

  constructor(options: EventBusOptions = {}) {
    this.#ring = new SeqRing<BusEvent>(options.ringSize ?? 5000);
    this.#clock = options.clock ?? systemDateClock;
    this.#feed = new Feed<BusEvent, EventMessage>(
      { lastSeq: () => this.#seq, memory: this.#ring },
      (event) => ({ type: 'event', event }),
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

  /** Numbers, keeps and delivers one event. */
  publish<K extends EventName>(type: K, data: WorkloadEvents[K]): BusEvent<K> {
    const event: BusEvent<K> = { seq: ++this.#seq, time: this.#clock().toISOString(), type, data };
    this.#ring.push(event);
    this.#feed.offer(event);
    return event;
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
    return this.#feed.subscribe(
      (event) => types === null || types.has(event.type),
      since,
      send,
      options,
    );
  }

  /** The newest `limit` events, newest first. */
  recent(limit: number): BusEvent[] {
    const out: BusEvent[] = [];
    for (const event of this.#ring.newestFirst()) {
      if (out.length >= limit) break;
      out.push(event);
    }
    return out;
  }

  /** A page of the events kept in memory, by keyset on seq (see `SeqRing.page`). */
  page(options: Parameters<SeqRing<BusEvent>['page']>[0]) {
    return this.#ring.page(options);
  }

  /** Ends every subscription (and its timers). */
  close(): void {
    this.#feed.close();
  }
}
