/** Which tenant a request and a workload belong to, and the names that keep tenants apart. */
export { TenantScopes } from './scopes.js';
export { isDefaultTenant, scopedName, splitScoped, tenantFolder } from './names.js';
export { TENANT_KIND, knownTenants, rememberTenant } from './known.js';
export { tenantOf } from './request.js';
