/**
 * The newest items of a sequence numbered stream, oldest first, in a fixed
 * amount of memory. Items arrive in increasing `seq`, so lookups by seq are
 * binary searches.
 *
 * `floor` is the lowest seq the ring can still answer for: every item with
 * seq ≥ floor that still exists is here. It starts where the stream stood
 * when the ring was made and rises as the oldest items are forgotten; items
 * removed on purpose (a log cleared for one workload) do not move it, since
 * they no longer exist anywhere.
 */
export class SeqRing<T extends { readonly seq: number }> {
  #slots: (T | undefined)[];
  #start = 0;
  #length = 0;
  #floor: number;

  constructor(capacity: number, floor = 1) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
    this.#slots = new Array<T | undefined>(capacity);
    this.#floor = floor;
  }

  get length(): number {
    return this.#length;
  }

  get floor(): number {
    return this.#floor;
  }

  push(item: T): void {
    const capacity = this.#slots.length;
    if (this.#length === capacity) {
      const evicted = this.#slots[this.#start];
      if (evicted) this.#floor = evicted.seq + 1;
      this.#slots[this.#start] = item;
      this.#start = (this.#start + 1) % capacity;
      return;
    }
    this.#slots[(this.#start + this.#length) % capacity] = item;
    this.#length++;
  }

  /** The item at position `index`, 0 being the oldest. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#slots[(this.#start + index) % this.#slots.length];
  }

  /**
   * Items with seq > `after`, oldest first, at most `limit`; null when the
   * ring no longer reaches back to `after + 1` (older items must be read
   * from somewhere else).
   */
  after(after: number, limit: number): T[] | null {
    if (after + 1 < this.#floor) return null;
    let low = 0;
    let high = this.#length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.at(mid)?.seq ?? Infinity) <= after) low = mid + 1;
      else high = mid;
    }
    const items: T[] = [];
    for (let i = low; i < this.#length && items.length < limit; i++) items.push(this.at(i) as T);
    return items;
  }

  /**
   * A page by keyset on seq: the items just after the seq `after` in
   * `order` (newest first for `desc`) that `keep` keeps, at most `limit`;
   * `total` counts every kept item in the ring, `next` is the seq of the
   * page's last item when more follow.
   */
  page(options: {
    after: number | null;
    limit: number;
    order: 'asc' | 'desc';
    keep: (item: T) => boolean;
  }): { items: T[]; total: number; next: number | null } {
    const { after, limit, order, keep } = options;
    const step = order === 'asc' ? 1 : -1;
    let i = order === 'asc' ? 0 : this.#length - 1;
    if (after !== null) {
      // The first index whose seq is past `after` (asc), or just below it (desc).
      const past = this.#firstIndex((seq) => seq > after);
      i = order === 'asc' ? past : this.#firstIndex((seq) => seq >= after) - 1;
    }
    const items: T[] = [];
    let next: number | null = null;
    for (; i >= 0 && i < this.#length; i += step) {
      const item = this.at(i) as T;
      if (!keep(item)) continue;
      if (items.length === limit) {
        next = items[items.length - 1]?.seq ?? null;
        break;
      }
      items.push(item);
    }
    let total = 0;
    for (let j = 0; j < this.#length; j++) if (keep(this.at(j) as T)) total++;
    return { items, total, next };
  }

  #firstIndex(test: (seq: number) => boolean): number {
    let low = 0;
    let high = this.#length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (test(this.at(mid)?.seq ?? Infinity)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** Newest first. */
  *newestFirst(): Generator<T> {
    for (let i = this.#length - 1; i >= 0; i--) yield this.at(i) as T;
  }

  /** Forgets the items `drop` selects; returns how many. */
  removeWhere(drop: (item: T) => boolean): number {
    const kept: T[] = [];
    for (let i = 0; i < this.#length; i++) {
      const item = this.at(i) as T;
      if (!drop(item)) kept.push(item);
    }
    const removed = this.#length - kept.length;
    if (removed === 0) return 0;
    this.#slots = new Array<T | undefined>(this.#slots.length);
    kept.forEach((item, i) => (this.#slots[i] = item));
    this.#start = 0;
    this.#length = kept.length;
    return removed;
  }
}
