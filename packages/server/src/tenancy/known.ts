import { TENANT_DEFAULT } from '@codedance/core';
import { AlreadyExistsError } from '@codedance/core';
import { listAll, type Store } from '../store/index.js';

/** The store kind of the tenant index: one record per tenant that has used this server. */
export const TENANT_KIND = 'tenant';

/**
 * Every tenant with records, so loops that act for all of them (restore on
 * start-up, schedules, reconcile) know where to look. The index lives in
 * the default tenant, which is always there and is never written to it.
 */
export async function knownTenants(store: Store): Promise<string[]> {
  const rows = await listAll(store, TENANT_DEFAULT, TENANT_KIND);
  return [TENANT_DEFAULT, ...rows.map((row) => row.id).filter((id) => id !== TENANT_DEFAULT)];
}

/** Adds a tenant to the index before its first record is written. */
export async function rememberTenant(store: Store, tenant: string): Promise<void> {
  if (tenant === TENANT_DEFAULT) return;
  await store.create(TENANT_DEFAULT, TENANT_KIND, tenant, {}).catch((error: unknown) => {
    if (!(error instanceof AlreadyExistsError)) throw error;
  });
}
