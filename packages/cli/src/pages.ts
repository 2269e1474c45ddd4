import type { ApiClient } from './client.js';

/** The largest page the server hands out. */
export const MAX_PAGE = 500;

interface PageAnswer {
  total: number;
  nextCursor: string | null;
}

/**
 * Every item of a paged list (or the first `max`), following `nextCursor`
 * in pages of up to 500, so `ls` shows what it always showed however long
 * the list is. `path` may carry the list's filters; `key` is the list's key
 * in the answer (`tasks`, `services`, `apps`, `items`).
 */
export async function allPages<T>(
  client: ApiClient,
  path: string,
  key: string,
  max = Infinity,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(Math.min(MAX_PAGE, max - items.length)) });
    if (cursor !== null) query.set('cursor', cursor);
    const sep = path.includes('?') ? '&' : '?';
    const page = await client.request<PageAnswer & Record<string, unknown>>(
      'GET',
      `${path}${sep}${query.toString()}`,
    );
    const found = page[key];
    if (!Array.isArray(found)) throw new Error(`the server's answer has no ${key} list`);
    items.push(...(found as T[]));
    cursor = page.nextCursor;
  } while (cursor !== null && items.length < max);
  return items;
}
