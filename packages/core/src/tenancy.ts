/**
 * Every stored object belongs to a tenant. An installation starts with this one, and everything
 * made before tenants existed lives in it.
 */
export const TENANT_DEFAULT = 'default';

/** A tenant's name: lower-case letters, digits and inner dashes, as a DNS label (it names namespaces). */
export const TENANT_NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

const TENANT_NAME = new RegExp(TENANT_NAME_PATTERN);

/** Why a string cannot name a tenant, or undefined when it can. */
export function tenantNameProblem(name: string): string | undefined {
  if (TENANT_NAME.test(name)) return undefined;
  return 'a tenant name is 1 to 63 lower-case letters, digits and dashes, starting and ending with a letter or digit';
}
