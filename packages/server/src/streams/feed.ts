/** The recent items a feed keeps in memory: a `SeqRing`, or anything that answers the same. */
export interface SeqMemory<T extends { readonly seq: number }> {
  /** The lowest seq it can still answer for. */
  readonly floor: number;
  /** Items with seq > `after`, oldest first, at most `limit`; null when it does not reach back that far. */
  after(after: number, limit: number): T[] | null;
}

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
  memory: SeqMemory<T>;
  /**
   * Stored items with seq > `after`, oldest first, in batches. Absent when
   * nothing older than the memory is kept.
   */
  archive?: (after: number) => AsyncIterable<T[]>;
}

export interface SubscribeOptions {
  /** Called once the replay is done and live items follow, with the newest seq considered. */
  onReady?: (seq: number) => void;
  /**
   * Several items per message: a replay batch at a time, and live items
   * gathered for a short window. Only for a feed that can wrap batches;
   * otherwise one item per message, as without it.
   */
  batch?: boolean;
}

/** How a feed gathers items for subscribers that asked for batches. */
export interface FeedBatching<T, M> {
  /** One message for several items, in seq order. */
  wrap: (items: readonly T[]) => M;
  /** How long live items wait for company before they go (default 10 ms). */
  windowMs?: number;
  /** A batch that covers this many seqs goes at once (default 2000). */
  maxItems?: number;
  /**
   * A batch whose items weigh this much goes at once, live or replayed
   * (default 256 KiB by `weight`), so one message never holds a burst of
   * long lines whole: a client's unsent bytes stay near the congestion mark.
   */
  maxWeight?: number;
  /** What an item weighs, roughly in bytes (default 1, when only maxItems counts). */
  weight?: (item: T) => number;
}

/**
 * `send` answers false when the client is congested: the message was not
 * sent. Never throws on purpose; if it does, the subscription ends.
 */
export type Send<M> = (message: M | DroppedMarker) => boolean;

const REPLAY_BATCH = 500;
const BATCH_WINDOW_MS = 10;
const BATCH_MAX_ITEMS = 2000;
const BATCH_MAX_WEIGHT = 256 * 1024;

/**
 * One subscriber of a feed. It first catches up from `since` by cursor —
 * memory, or the archive when memory does not reach back — waiting for a
 * congested client rather than dropping, since the replay holds no more
 * than one batch. Then it goes live: live items are never queued for a
 * slow client; they are counted, and a `dropped` marker goes out as soon as
 * the client accepts again, so the producer is never slowed and memory
 * never grows with a client's backlog. A batching subscriber holds at most
 * one window's items; a batch the client refuses counts as dropped whole.
 */
class FeedSubscription<T extends { readonly seq: number }, M> {
  #state: 'catching-up' | 'live' | 'closed' = 'catching-up';
  #cursor: number;
  #archiveAllowed: boolean;
  #dropped: { count: number; fromSeq: number; toSeq: number } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  readonly #batching: Required<FeedBatching<T, M>> | null;
  #pending: T[] = [];
  /** How many seqs the pending items cover. */
  #pendingSeqs = 0;
  #pendingWeight = 0;
  #flushTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly history: FeedHistory<T>,
    private readonly matches: (item: T) => boolean,
    since: number | null,
    private readonly send: Send<M>,
    private readonly wrap: (item: T) => M,
    private readonly options: SubscribeOptions & {
      retryMs: number;
      extent: (item: T) => number;
      onEnd: () => void;
      onError: (error: unknown) => void;
    },
    batching: FeedBatching<T, M> | undefined,
  ) {
    this.#batching =
      options.batch === true && batching !== undefined
        ? {
            wrap: batching.wrap,
            windowMs: batching.windowMs ?? BATCH_WINDOW_MS,
            maxItems: batching.maxItems ?? BATCH_MAX_ITEMS,
            maxWeight: batching.maxWeight ?? BATCH_MAX_WEIGHT,
            weight: batching.weight ?? (() => 1),
          }
        : null;
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
    const batching = this.#batching;
    if (batching === null) {
      this.#deliver([item], this.wrap(item));
      return;
    }
    this.#pending.push(item);
    this.#pendingSeqs += this.options.extent(item);
    this.#pendingWeight += batching.weight(item);
    if (this.#pendingSeqs >= batching.maxItems || this.#pendingWeight >= batching.maxWeight)
      this.#flush();
    else if (this.#flushTimer === null) {
      this.#flushTimer = setTimeout(() => {
        this.#flushTimer = null;
        this.#flush();
      }, batching.windowMs);
      this.#flushTimer.unref();
    }
  }

  /** Sends the gathered items now. */
  #flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const items = this.#pending;
    if (items.length === 0 || this.#batching === null || this.#state !== 'live') return;
    this.#pending = [];
    this.#pendingSeqs = 0;
    this.#pendingWeight = 0;
    this.#deliver(items, this.#batching.wrap(items));
  }

  /** Sends `message`, which carries `items`, after any pending marker; counts them as dropped when refused. */
  #deliver(items: readonly T[], message: M): void {
    if (!this.#flushDropped()) {
      this.#countDropped(items);
      return;
    }
    if (!this.#trySend(message)) {
      this.#countDropped(items);
      this.#armRetry();
    }
  }

  #countDropped(items: readonly T[]): void {
    const first = items[0];
    const last = items[items.length - 1];
    if (first === undefined || last === undefined) return;
    let count = 0;
    for (const item of items) count += this.options.extent(item);
    const toSeq = this.#lastSeq(last);
    if (this.#dropped) {
      this.#dropped.count += count;
      this.#dropped.toSeq = toSeq;
    } else this.#dropped = { count, fromSeq: first.seq, toSeq };
  }

  /** The newest seq an item covers. */
  #lastSeq(item: T): number {
    return item.seq + this.options.extent(item) - 1;
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    this.#pending = [];
    this.#pendingSeqs = 0;
    this.#pendingWeight = 0;
    this.#wake?.();
    this.#wake = null;
    this.options.onEnd();
  }

  async #catchUp(): Promise<void> {
    let archive: AsyncIterator<T[]> | null = null;
    /** Where the current pass over the archive began. */
    let passFrom = this.#cursor;
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
        if (archive === null) {
          archive = this.history.archive(this.#cursor)[Symbol.asyncIterator]();
          passFrom = this.#cursor;
        }
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
          archive = null;
          // Items stored while this pass read may have left memory already: read them in another pass.
          if (this.#cursor > passFrom) continue;
          // What the archive lacks was removed on purpose (a cleared log): skip to memory.
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

  /** Sends the items after the cursor; false when the client refused one (or the batch). */
  #replay(items: readonly T[]): boolean {
    if (this.#batching !== null) return this.#replayBatch(items, this.#batching);
    for (const item of items) {
      const last = this.#lastSeq(item);
      if (last <= this.#cursor) continue;
      if (this.matches(item) && !this.#trySend(this.wrap(item))) return false;
      this.#cursor = last;
    }
    return true;
  }

  /** Sends the wanted items after the cursor in messages of at most `maxWeight`; false when one was refused. */
  #replayBatch(items: readonly T[], batching: Required<FeedBatching<T, M>>): boolean {
    const fresh = items.filter((item) => this.#lastSeq(item) > this.#cursor);
    const last = fresh[fresh.length - 1];
    if (last === undefined) return true;
    let chunk: T[] = [];
    let weight = 0;
    const sendChunk = (): boolean => {
      const end = chunk[chunk.length - 1];
      if (end === undefined) return true;
      if (!this.#trySend(batching.wrap(chunk))) return false;
      // What was skipped before this chunk's last item is behind the cursor too.
      this.#cursor = this.#lastSeq(end);
      chunk = [];
      weight = 0;
      return true;
    };
    for (const item of fresh) {
      if (!this.matches(item)) continue;
      chunk.push(item);
      weight += batching.weight(item);
      if (weight >= batching.maxWeight && !sendChunk()) return false;
    }
    if (!sendChunk()) return false;
    this.#cursor = this.#lastSeq(last);
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
    private readonly options: {
      retryMs?: number;
      onError: (error: unknown) => void;
      /** Lets subscribers ask for several items per message. */
      batching?: FeedBatching<T, M>;
      /**
       * How many seqs an item covers, from its own `seq` on: 1 by default,
       * more for an item that stands for a run of them. Memory and archive
       * then hand out items that begin after the seq asked for.
       */
      extent?: (item: T) => number;
    },
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
        extent: this.options.extent ?? (() => 1),
        onError: this.options.onError,
        onEnd: () => this.#subscriptions.delete(subscription),
      },
      this.options.batching,
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

  /** Hands new items, in seq order, to every subscriber. */
  offerAll(items: readonly T[]): void {
    for (const subscription of this.#subscriptions) {
      for (const item of items) subscription.offer(item);
    }
  }

  close(): void {
    for (const subscription of [...this.#subscriptions]) subscription.close();
  }
}
