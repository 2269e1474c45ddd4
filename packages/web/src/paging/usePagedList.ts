import { useState } from 'react';

/** What a paged list answers beside its items (the server's paging contract, docs/api.md). */
export interface PageInfo {
  total: number;
  nextCursor: string | null;
}

/** The filters a list sends; empty values are left out of the query. */
export type ListFilters = Record<string, string>;

/**
 * The state of a list read page by page from the server: its filters, and
 * the cursors of the pages seen so far (the first page has none), so
 * "previous" goes back without the server keeping anything. Changing a
 * filter starts again at the first page: a cursor is bound to its filters.
 */
export function usePagedList(initial: ListFilters = {}) {
  const [filters, setFilters] = useState<ListFilters>(initial);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  return {
    filters,
    cursor,
    page: cursors.length,
    setFilter(name: string, value: string) {
      setFilters((current) => ({ ...current, [name]: value }));
      setCursors([null]);
    },
    next(nextCursor: string | null) {
      if (nextCursor !== null) setCursors((list) => [...list, nextCursor]);
    },
    previous() {
      setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list));
    },
    /** The query of the current page: the filters set, and the cursor. */
    query(): Record<string, string | null> {
      return { ...filters, cursor };
    },
  };
}

export type PagedList = ReturnType<typeof usePagedList>;
