import type { SeqRing } from './seq-ring.js';

/** Items a subscriber did not receive because it was too slow (or asked for more than is kept). */
export interface DroppedMarker {
  type: 'dropped';
  count: number;
  fromSeq: number;
  toSeq: number;
}

/** Where a subscription reads what happened before it joined. */
export interface FeedHistory<T extends { readonly seq: number }> {
  /** The newest seq handed out so far; 0 before the first. */
  lastSeq(): number;
  memory: SeqRing<T>;
  /**
   * Stored items with seq > `after`, oldest first, in batches. Absent when
   * nothing older than the memory is kept.
   */
  archive?: (after: number) => AsyncIterable<T[]>;
}

export interface SubscribeOptions {
  /** Called once the replay is done and live items follow, with the newest seq considered. */
  onReady?: (seq: number) => void;
}

/**
 * `send` answers false when the client is congested: the message was not
 * sent. Never throws on purpose; if it does, the subscription ends.
 */
export type Send<M> = (message: M | DroppedMarker) => boolean;

const REPLAY_BATCH = 500;

/**
 * One subscriber of a feed. It first catches up from `since` by cursor —
 * memory, or the archive when memory does not reach back — waiting for a
 * congested client rather than dropping, since the replay holds no more
 * than one batch. Then it goes live: live items are never queued for a
 * slow client; they are counted, and a `dropped` marker goes out as soon as
 * the client accepts again, so the producer is never slowed and memory
 * never grows with a client's backlog.
 */
class FeedSubscription<T extends { readonly seq: number }, M> {
  #state: 'catching-up' | 'live' | 'closed' = 'catching-up';
  #cursor: number;
  #archiveAllowed: boolean;
  #dropped: { count: number; fromSeq: number; toSeq: number } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;

  constructor(
    private readonly history: FeedHistory<T>,
    private readonly matches: (item: T) => boolean,
    since: number | null,
    private readonly send: Send<M>,
    private readonly wrap: (item: T) => M,
    private readonly options: SubscribeOptions & {
      retryMs: number;
      onEnd: () => void;
      onError: (error: unknown) => void;
    },
  ) {
    const last = history.lastSeq();
    // A `since` ahead of the stream comes from before a restart that lost
    // count (the event bus starts again at 1): replay what memory holds.
    const ahead = since !== null && since > last;
    this.#cursor = since === null ? last : ahead ? history.memory.floor - 1 : since;
    this.#archiveAllowed = since !== null && !ahead;
  }

  start(): void {
    this.#catchUp().catch((error: unknown) => {
      this.close();
      this.options.onError(error);
    });
  }

  offer(item: T): void {
    if (this.#state !== 'live' || !this.matches(item)) return;
    if (!this.#flushDropped()) {
      const dropped = this.#dropped;
      if (dropped) {
        dropped.count++;
        dropped.toSeq = item.seq;
      }
      return;
    }
    if (!this.#trySend(this.wrap(item))) {
      this.#dropped = { count: 1, fromSeq: item.seq, toSeq: item.seq };
      this.#armRetry();
    }
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#wake?.();
    this.#wake = null;
    this.options.onEnd();
  }

  async #catchUp(): Promise<void> {
    let archive: AsyncIterator<T[]> | null = null;
    try {
      while (this.#isCatchingUp()) {
        const memory = this.history.memory;
        const recent = memory.after(this.#cursor, REPLAY_BATCH);
        if (recent !== null) {
          if (archive) await archive.return?.();
          archive = null;
          if (recent.length === 0) {
            this.#goLive();
            return;
          }
          if (!this.#replay(recent)) await this.#pause();
          continue;
        }
        if (!this.#archiveAllowed || !this.history.archive) {
          const gapEnd = memory.floor - 1;
          const marker: DroppedMarker = {
            type: 'dropped',
            count: gapEnd - this.#cursor,
            fromSeq: this.#cursor + 1,
            toSeq: gapEnd,
          };
          while (!this.#trySend(marker) && this.#isCatchingUp()) await this.#pause();
          this.#cursor = gapEnd;
          continue;
        }
        archive ??= this.history.archive(this.#cursor)[Symbol.asyncIterator]();
        let next: IteratorResult<T[]>;
        try {
          next = await archive.next();
        } catch (error) {
          // An unreadable archive costs the client a gap (a marker says so), not the stream.
          this.options.onError(error);
          archive = null;
          this.#archiveAllowed = false;
          continue;
        }
        if (next.done === true) {
          // What the archive lacks was removed on purpose (a cleared log): skip to memory.
          archive = null;
          this.#cursor = Math.max(this.#cursor, this.history.memory.floor - 1);
          continue;
        }
        while (this.#isCatchingUp() && !this.#replay(next.value)) await this.#pause();
      }
    } finally {
      await archive?.return?.();
    }
  }

  /** A method so the compiler does not narrow the state across awaits. */
  #isCatchingUp(): boolean {
    return this.#state === 'catching-up';
  }

  /** Sends the items after the cursor; false when the client refused one. */
  #replay(items: readonly T[]): boolean {
    for (const item of items) {
      if (item.seq <= this.#cursor) continue;
      if (this.matches(item) && !this.#trySend(this.wrap(item))) return false;
      this.#cursor = item.seq;
    }
    return true;
  }

  #goLive(): void {
    this.#state = 'live';
    this.options.onReady?.(this.history.lastSeq());
  }

  #flushDropped(): boolean {
    const dropped = this.#dropped;
    if (!dropped) return true;
    if (!this.#trySend({ type: 'dropped', ...dropped })) return false;
    this.#dropped = null;
    return true;
  }

  #trySend(message: M | DroppedMarker): boolean {
    if (this.#state === 'closed') return true;
    try {
      return this.send(message);
    } catch {
      // The transport is gone; its owner learns of it through its own close.
      this.close();
      return true;
    }
  }

  /** With no new item to carry it, the marker still reaches the client once it drains. */
  #armRetry(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#state === 'live' && !this.#flushDropped()) this.#armRetry();
    }, this.options.retryMs);
    this.#timer.unref();
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#wake = null;
        resolve();
      }, this.options.retryMs);
      this.#timer.unref();
    });
  }
}

/** The subscribers of one stream (workload logs, workload events). */
export class Feed<T extends { readonly seq: number }, M> {
  readonly #subscriptions = new Set<FeedSubscription<T, M>>();

  constructor(
    private readonly history: FeedHistory<T>,
    private readonly wrap: (item: T) => M,
    private readonly options: { retryMs?: number; onError: (error: unknown) => void },
  ) {}

  get size(): number {
    return this.#subscriptions.size;
  }

  /** Replays from `since` (null: live only), then delivers live; returns the unsubscribe function. */
  subscribe(
    matches: (item: T) => boolean,
    since: number | null,
    send: Send<M>,
    options: SubscribeOptions = {},
  ): () => void {
    const subscription: FeedSubscription<T, M> = new FeedSubscription(
      this.history,
      matches,
      since,
      send,
      this.wrap,
      {
        ...options,
        retryMs: this.options.retryMs ?? 50,
        onError: this.options.onError,
        onEnd: () => this.#subscriptions.delete(subscription),
      },
    );
    this.#subscriptions.add(subscription);
    subscription.start();
    return () => {
      subscription.close();
    };
  }

  /** Hands a new item to every subscriber. */
  offer(item: T): void {
    for (const subscription of this.#subscriptions) subscription.offer(item);
  }

  close(): void {
    for (const subscription of [...this.#subscriptions]) subscription.close();
  }
}
