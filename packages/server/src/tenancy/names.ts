import { TENANT_DEFAULT } from '@codedance/core';

/**
 * Between a tenant and a name in a process-wide name. Names of tasks,
 * services and apps cannot hold it, so a scoped name never equals another
 * tenant's name.
 */
const SEPARATOR = '/';

/** True for the tenant every installation had before tenants: its names and paths stay as they were. */
export function isDefaultTenant(tenant: string): boolean {
  return tenant === TENANT_DEFAULT;
}

/**
 * A name unique over all tenants, for what the process shares between them
 * (log sources, log folders, router keys): the name itself in the default
 * tenant, `<tenant>/<name>` in any other.
 */
export function scopedName(tenant: string, name: string): string {
  return isDefaultTenant(tenant) ? name : `${tenant}${SEPARATOR}${name}`;
}

/** The tenant and name a scoped name was made of. */
export function splitScoped(scoped: string): { tenant: string; name: string } {
  const at = scoped.indexOf(SEPARATOR);
  return at < 0
    ? { tenant: TENANT_DEFAULT, name: scoped }
    : { tenant: scoped.slice(0, at), name: scoped.slice(at + 1) };
}

/** The folder below a shared folder that holds a tenant's files: none for the default tenant. */
export function tenantFolder(tenant: string): string[] {
  return isDefaultTenant(tenant) ? [] : ['tenants', tenant];
}
