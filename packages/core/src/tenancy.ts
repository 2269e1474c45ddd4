/**
 * Every stored object belongs to a tenant. Until tenants can be created,
 * everything lives in this one.
 */
export const TENANT_DEFAULT = 'default';
