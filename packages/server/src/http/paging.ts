import { createHash } from 'node:crypto';
import { DEFAULT_PAGE_LIMIT, type PageOrder } from '@codedance/api';
import { CodedanceError, type ListPageOptions } from '@codedance/core';

/*
 * The server's side of the paging contract (its schemas are in
 * @codedance/api's paging.ts): reading a page request, and sealing cursors.
 *
 * A cursor is opaque to clients. It names its list and carries a digest of
 * the filters and order it was made for, so a cursor of one list, or of the
 * same list with other filters, is refused with a 400 rather than paging
 * something else; inside is the position the list resumes after (a store
 * cursor, or a key of an in-memory index), never an offset.
 */

/** What a list reads from its query once the cursor is checked. */
export interface PageRequest {
  limit: number;
  order: PageOrder;
  /** The position the page starts after, as the list sealed it; null on the first page. */
  after: string | null;
  /** Wraps the position of a page's last item as the cursor of the next page. */
  seal(position: string | null): string | null;
}

interface PagingQuery {
  limit?: number | undefined;
  cursor?: string | undefined;
  order?: PageOrder | undefined;
}

function refused(message: string): CodedanceError {
  return new CodedanceError('CD_BAD_REQUEST', { message, details: { field: 'cursor' } });
}

/** A digest of a list's filters and order: key order and absent filters do not matter. */
function binding(filters: Record<string, unknown>, order: PageOrder): string {
  const set = Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([set, order]))
    .digest('base64url')
    .slice(0, 16);
}

/**
 * Reads `limit`, `order` and `cursor` for the list named `list`, whose
 * filters (everything in the query that chooses what matches) are
 * `filters`. A cursor of another list or other filters is a 400.
 */
export function pageRequest(
  list: string,
  query: PagingQuery,
  filters: Record<string, unknown>,
  defaultOrder: PageOrder,
): PageRequest {
  const order = query.order ?? defaultOrder;
  const bound = binding(filters, order);
  let after: string | null = null;
  if (query.cursor !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    } catch {
      value = null;
    }
    if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'string')) {
      throw refused('cursor is not a nextCursor this server gave.');
    }
    const [name, digest, position] = value as [string, string, string];
    if (name !== list) {
      throw refused(`cursor belongs to the list of ${name}, not of ${list}; start without one.`);
    }
    if (digest !== bound) {
      throw refused(
        'cursor was made for other filters or another order; send the same ones, or start without a cursor.',
      );
    }
    after = position;
  }
  return {
    limit: query.limit ?? DEFAULT_PAGE_LIMIT,
    order,
    after,
    seal: (position) =>
      position === null
        ? null
        : Buffer.from(JSON.stringify([list, bound, position]), 'utf8').toString('base64url'),
  };
}

/** The statuses of a `StatusFilter` value, each once; undefined when absent. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the statuses its schema allowed
export function statusList<S extends string>(value: string | undefined): S[] | undefined {
  // The schema let through only known statuses.
  return value === undefined ? undefined : ([...new Set(value.split(','))] as S[]);
}

interface KeyedListQueryValue extends PagingQuery {
  status?: string | undefined;
  prefix?: string | undefined;
  q?: string | undefined;
}

/**
 * Answers a page of an in-memory list keyed by name (`ListPageOptions` in,
 * the items under `key` out), with the cursor bound to `list` and the filters.
 */
export function keyedPage<K extends string, T>(
  list: string,
  key: K,
  query: KeyedListQueryValue,
  read: (options: ListPageOptions) => { items: T[]; total: number; next: string | null },
): Record<K, T[]> & { total: number; nextCursor: string | null } {
  const { limit, cursor, order, ...filters } = query;
  const page = pageRequest(list, { limit, cursor, order }, filters, 'asc');
  const found = read({
    after: page.after,
    limit: page.limit,
    order: page.order,
    prefix: filters.prefix,
    q: filters.q,
    status: statusList(filters.status),
  });
  const items = { [key]: found.items } as Record<K, T[]>;
  return Object.assign(items, { total: found.total, nextCursor: page.seal(found.next) });
}
