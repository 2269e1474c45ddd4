import type { Store, StoredRecord, Where } from './types.js';

/**
 * Every record of a kind in a tenant, page by page. For controllers that
 * load their whole state at start; not for request paths, which page.
 */
export async function listAll<T>(
  store: Store,
  tenant: string,
  kind: string,
  where?: Where,
): Promise<StoredRecord<T>[]> {
  const out: StoredRecord<T>[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list<T>(tenant, kind, {
      limit: 1000,
      ...(where ? { where } : {}),
      ...(cursor === undefined ? {} : { cursor }),
    });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return out;
}
