import { observationChanges } from './changes.js';
import { refKey, type WorkloadRef } from './spec.js';
import type { WatchFilter, WorkloadEvent, WorkloadObservation } from './types.js';
/** The runtime's clock: epoch ms. */
type Clock = () => number;

type Listener = (event: WorkloadEvent) => void;

interface Watcher {
  filter: WatchFilter;
  listener: Listener;
}

function matches(filter: WatchFilter, ref: WorkloadRef): boolean {
  return (
    (filter.environment === undefined || filter.environment === ref.environment) &&
    (filter.name === undefined || filter.name === ref.name)
  );
}

/**
 * The runtime's change stream: it keeps the last observation of each workload, turns each new
 * one into the changes since, numbers them, and hands them to the watchers in that order. A
 * change seen while watchers are being told waits its turn, so a watcher that acts on an
 * event never sees a later one first.
 */
export class ChangeStream {
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  readonly #last = new Map<string, WorkloadObservation>();
  readonly #watchers = new Set<Watcher>();
  readonly #queue: WorkloadEvent[] = [];
  #seq = 0;
  #delivering = false;

  constructor(clock: Clock, onError: (error: unknown) => void) {
    this.#clock = clock;
    this.#onError = onError;
  }

  /** Takes the workload as it is now (null: gone) and tells the watchers what changed. */
  update(ref: WorkloadRef, next: WorkloadObservation | null): void {
    const key = refKey(ref);
    const changes = observationChanges(this.#last.get(key) ?? null, next);
    if (next === null) this.#last.delete(key);
    else this.#last.set(key, next);
    for (const change of changes) {
      this.#queue.push({ ...change, seq: ++this.#seq, at: this.#clock() });
    }
    this.#drain();
  }

  /** Remembers a workload as it is without telling anyone: where a new watcher starts from. */
  seed(ref: WorkloadRef, now: WorkloadObservation): void {
    const key = refKey(ref);
    if (!this.#last.has(key)) this.#last.set(key, now);
  }

  subscribe(filter: WatchFilter, listener: Listener): () => void {
    const watcher = { filter: { ...filter }, listener };
    this.#watchers.add(watcher);
    return () => {
      this.#watchers.delete(watcher);
    };
  }

  close(): void {
    this.#watchers.clear();
    this.#queue.length = 0;
  }

  #drain(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      for (let event = this.#queue.shift(); event !== undefined; event = this.#queue.shift()) {
        for (const watcher of [...this.#watchers]) {
          if (!this.#watchers.has(watcher) || !matches(watcher.filter, event.ref)) continue;
          try {
            watcher.listener(event);
          } catch (error) {
            this.#watchers.delete(watcher);
            this.#onError(error);
          }
        }
      }
    } finally {
      this.#delivering = false;
    }
  }
}
