import type { Principal, Role } from './principal.js';

/**
 * What a route can ask of its caller. Each role grants a set of these; a route declares the one
 * it needs, so the permission table in the docs is the code's own table.
 */
export const PERMISSIONS = ['read', 'operate', 'administer', 'platform'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What each role may do within its tenant. The roles are nested: each has its lower's grants. */
export const ROLE_GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  operator: ['read', 'operate'],
  admin: ['read', 'operate', 'administer'],
};

/** What a person reads about each permission, for the docs and the dashboard. */
export const PERMISSION_MEANINGS: Readonly<Record<Permission, string>> = {
  read: 'See the tenant’s services, tasks, runs, logs, apps, releases and events.',
  operate: 'Run, start, stop and restart; deploy, pause, resume, promote, abort and roll back.',
  administer: 'Change settings, members, tokens and quotas of the tenant.',
  platform: 'Create and remove tenants and act in any of them.',
};

/**
 * Whether a caller may do what a permission names. A platform administrator may do everything in
 * every tenant; anyone else only what their role grants, and `platform` never.
 */
export function allows(
  principal: Pick<Principal, 'role' | 'platform'>,
  wanted: Permission,
): boolean {
  if (principal.platform === true) return true;
  if (wanted === 'platform') return false;
  return ROLE_GRANTS[principal.role].includes(wanted);
}

/** The least role that grants a permission within a tenant, or undefined for `platform`. */
export function leastRoleFor(wanted: Permission): Role | undefined {
  return (Object.keys(ROLE_GRANTS) as Role[]).find((role) => ROLE_GRANTS[role].includes(wanted));
}
