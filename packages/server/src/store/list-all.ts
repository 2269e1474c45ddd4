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

/** The store as one tenant's records are reached: the store (a 503 while it is not open) and the tenant. */
export interface TenantStore {
  (): Store;
  readonly tenant: string;
}

/** Binds a store accessor to a tenant. */
export function tenantStore(store: () => Store, tenant: string): TenantStore {
  return Object.assign(() => store(), { tenant });
}
