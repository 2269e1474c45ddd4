import { fromRun, lastSeqOf, trimRun } from './runs.js';
import type { LogEntry, LogRun } from './types.js';

/**
 * The newest `capacity` log entries, kept as the runs they arrived in: a
 * burst leaves a string per run in memory, not one per line, which the
 * garbage collector would copy and promote. Entries are made only when
 * someone reads them.
 *
 * `floor` is the lowest seq the ring can still answer for, as in `SeqRing`:
 * every entry with seq ≥ floor that still exists is here. When the ring is
 * full, the oldest run is cut, not dropped whole, so it always holds exactly
 * the newest `capacity` entries. It also holds at most `maxBytes` of line
 * text: past that, the oldest runs go whole, so a burst of long lines (up to
 * 64 KiB each) cannot keep `capacity` of them, a gigabyte, in memory.
 */
export class RunRing {
  readonly #capacity: number;
  /** Oldest first, from `#start` on; the slots before it are spent and empty. */
  #runs: (LogRun | undefined)[] = [];
  #start = 0;
  #entries = 0;
  /** Characters of line text held. */
  #bytes = 0;
  readonly #maxBytes: number;
  #floor: number;

  constructor(capacity: number, floor = 1, maxBytes = Infinity) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    this.#capacity = capacity;
    this.#floor = floor;
    this.#maxBytes = maxBytes;
  }

  /** How many entries it holds. */
  get length(): number {
    return this.#entries;
  }

  get floor(): number {
    return this.#floor;
  }

  /** Adds a run whose entries come after every entry held. */
  push(run: LogRun): void {
    if (run.count === 0) return;
    // Of a run larger than the ring, only the newest lines are kept.
    const over = run.count - this.#capacity;
    const kept = over > 0 ? trimRun(run, run.seq + over) : run;
    this.#runs.push(kept);
    this.#entries += kept.count;
    this.#bytes += kept.text.length;
    while (this.#entries > this.#capacity) {
      const oldest = this.#runs[this.#start] as LogRun;
      const excess = this.#entries - this.#capacity;
      if (oldest.count <= excess) this.#dropOldest();
      else {
        const trimmed = trimRun(oldest, oldest.seq + excess);
        this.#runs[this.#start] = trimmed;
        this.#entries -= excess;
        this.#bytes -= oldest.text.length - trimmed.text.length;
        this.#floor = oldest.seq + excess;
      }
    }
    // The newest run stays, whatever it weighs.
    while (this.#bytes > this.#maxBytes && this.#start < this.#runs.length - 1) this.#dropOldest();
    if (over > 0) this.#floor = kept.seq;
    // Drop the spent slots once they are the larger part.
    if (this.#start > 64 && this.#start * 2 > this.#runs.length) {
      this.#runs = this.#runs.slice(this.#start);
      this.#start = 0;
    }
  }

  #dropOldest(): void {
    const oldest = this.#runs[this.#start] as LogRun;
    this.#entries -= oldest.count;
    this.#bytes -= oldest.text.length;
    this.#floor = lastSeqOf(oldest) + 1;
    this.#runs[this.#start++] = undefined;
  }

  /**
   * Entries with seq > `after`, oldest first, at most `limit`; null when the
   * ring no longer reaches back to `after + 1`.
   */
  entriesAfter(after: number, limit: number): LogEntry[] | null {
    const runs = this.runsAfter(after, limit);
    if (runs === null) return null;
    const entries = runs.flatMap(fromRun);
    return entries.length > limit ? entries.slice(0, limit) : entries;
  }

  /**
   * The runs that hold entries with seq > `after`, the first without its
   * older lines, oldest first, until they hold `limit` entries or more;
   * null when the ring no longer reaches back to `after + 1`.
   */
  runsAfter(after: number, limit: number): LogRun[] | null {
    if (after + 1 < this.#floor) return null;
    const runs = this.#runs;
    let low = this.#start;
    let high = runs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (lastSeqOf(runs[mid] as LogRun) <= after) low = mid + 1;
      else high = mid;
    }
    const found: LogRun[] = [];
    let held = 0;
    for (let i = low; i < runs.length && held < limit; i++) {
      const run = trimRun(runs[i] as LogRun, after + 1);
      found.push(run);
      held += run.count;
    }
    return found;
  }

  /** Every entry, newest first. */
  *newestFirst(): Generator<LogEntry> {
    for (let i = this.#runs.length - 1; i >= this.#start; i--) {
      const entries = fromRun(this.#runs[i] as LogRun);
      for (let k = entries.length - 1; k >= 0; k--) yield entries[k] as LogEntry;
    }
  }

  /** Forgets the runs `drop` selects; returns how many entries they held. */
  removeWhere(drop: (run: LogRun) => boolean): number {
    const kept = this.#runs
      .slice(this.#start)
      .filter((run): run is LogRun => run !== undefined && !drop(run));
    const held = kept.reduce((sum, run) => sum + run.count, 0);
    const removed = this.#entries - held;
    this.#runs = kept;
    this.#start = 0;
    this.#entries = held;
    this.#bytes = kept.reduce((sum, run) => sum + run.text.length, 0);
    return removed;
  }
}
