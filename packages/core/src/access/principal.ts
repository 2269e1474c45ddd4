/** How a caller proved who it is: the admin credential itself, a dashboard session, or an API token. */
export const PRINCIPAL_KINDS = ['admin', 'session', 'token'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

/** What a principal may do within its tenant, from least to most. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** An authenticated caller: who, in which tenant, with which role. */
export interface Principal {
  kind: PrincipalKind;
  /** `admin` for the admin credential; the session's id (a hash, never the cookie) for a session. */
  id: string;
  tenant: string;
  role: Role;
  /** A platform administrator acts above tenants; the admin credential is one. */
  platform?: boolean;
}
