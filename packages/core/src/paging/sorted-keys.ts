/** One page of keys from `SortedKeys.page`. */
export interface KeyPage {
  keys: string[];
  /** Every key that matches, on every page. */
  total: number;
  /** The last key of this page when another page follows; null on the last page. */
  next: string | null;
}

export interface KeyPageOptions {
  /** Start just after this key (in `order`); null for the first page. */
  after: string | null;
  limit: number;
  order: 'asc' | 'desc';
  /** Only keys starting with this. */
  prefix?: string;
  /** Only keys this keeps; called for the keys of the prefix range, never more. */
  keep?: (key: string) => boolean;
}

/**
 * A set of keys kept in sorted order (JavaScript string order), paged by
 * keyset: a page starts just after a key, found by binary search, so a page
 * costs the keys it looks at, not a copy of the whole set. For the indexes
 * that live in memory (services, tasks) that lists are read from.
 */
export class SortedKeys {
  readonly #keys: string[] = [];

  get size(): number {
    return this.#keys.length;
  }

  has(key: string): boolean {
    const at = this.#lowerBound(key);
    return this.#keys[at] === key;
  }

  add(key: string): void {
    const at = this.#lowerBound(key);
    if (this.#keys[at] !== key) this.#keys.splice(at, 0, key);
  }

  delete(key: string): void {
    const at = this.#lowerBound(key);
    if (this.#keys[at] === key) this.#keys.splice(at, 1);
  }

  /** Every key in order: for the server's own whole-set work, not request paths. */
  all(): readonly string[] {
    return this.#keys;
  }

  page(options: KeyPageOptions): KeyPage {
    const { after, order, keep } = options;
    const limit = Math.max(1, Math.floor(options.limit));
    const [lo, hi] = this.#range(options.prefix ?? '');
    const keys: string[] = [];
    let i = order === 'asc' ? lo : hi - 1;
    if (after !== null) {
      i =
        order === 'asc'
          ? Math.max(lo, this.#upperBound(after))
          : Math.min(hi, this.#lowerBound(after)) - 1;
    }
    const step = order === 'asc' ? 1 : -1;
    let more = false;
    for (; i >= lo && i < hi; i += step) {
      const key = this.#keys[i] ?? '';
      if (keep !== undefined && !keep(key)) continue;
      if (keys.length === limit) {
        more = true;
        break;
      }
      keys.push(key);
    }
    return { keys, total: this.#count(lo, hi, keep), next: more ? (keys.at(-1) ?? null) : null };
  }

  /** A page filtered by status and text, reading each item's by its key (see `keepMatching`). */
  pageMatching(
    options: ListPageOptions,
    statusOf: (key: string) => string | null,
    textsOf: (key: string) => readonly string[],
  ): KeyPage {
    const keep = keepMatching(options, statusOf, textsOf);
    return this.page({
      after: options.after,
      limit: options.limit,
      order: options.order,
      prefix: options.prefix ?? '',
      ...(keep === undefined ? {} : { keep }),
    });
  }

  #count(lo: number, hi: number, keep: ((key: string) => boolean) | undefined): number {
    if (keep === undefined) return hi - lo;
    let n = 0;
    for (let i = lo; i < hi; i++) if (keep(this.#keys[i] ?? '')) n++;
    return n;
  }

  /** The index range [lo, hi) of the keys starting with `prefix`: they sit together. */
  #range(prefix: string): [number, number] {
    if (prefix === '') return [0, this.#keys.length];
    const lo = this.#lowerBound(prefix);
    let a = lo;
    let b = this.#keys.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((this.#keys[mid] ?? '').startsWith(prefix)) a = mid + 1;
      else b = mid;
    }
    return [lo, a];
  }

  /** The first index whose key is >= `key`. */
  #lowerBound(key: string): number {
    let a = 0;
    let b = this.#keys.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((this.#keys[mid] ?? '') < key) a = mid + 1;
      else b = mid;
    }
    return a;
  }

  /** The first index whose key is > `key`. */
  #upperBound(key: string): number {
    let a = 0;
    let b = this.#keys.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if ((this.#keys[mid] ?? '') <= key) a = mid + 1;
      else b = mid;
    }
    return a;
  }
}

/** A page of an in-memory list: where it starts, its size and order, and its filters. */
export interface ListPageOptions extends StatusTextFilter {
  /** The key the page starts after; null for the first page. */
  after: string | null;
  limit: number;
  order: 'asc' | 'desc';
  /** Only keys starting with this. */
  prefix?: string | undefined;
}

/** The filters an in-memory list offers beside its key prefix. */
export interface StatusTextFilter {
  /** Only items with one of these statuses. */
  status?: readonly string[] | undefined;
  /** Only items where one of their texts holds this, ignoring case. */
  q?: string | undefined;
}

/**
 * A `keep` for `SortedKeys.page` from a status and text filter, reading an
 * item's status and texts by its key (null for a key that is gone);
 * undefined when nothing is filtered, so totals come from the index alone.
 */
export function keepMatching(
  filter: StatusTextFilter,
  statusOf: (key: string) => string | null,
  textsOf: (key: string) => readonly string[],
): ((key: string) => boolean) | undefined {
  const statuses = filter.status === undefined ? null : new Set(filter.status);
  const q = filter.q === undefined || filter.q === '' ? null : filter.q.toLowerCase();
  if (statuses === null && q === null) return undefined;
  return (key) => {
    const status = statusOf(key);
    if (status === null || (statuses !== null && !statuses.has(status))) return false;
    return q === null || textsOf(key).some((text) => text.toLowerCase().includes(q));
  };
}
