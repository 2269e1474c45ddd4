export {
  hostAllowed,
  isLoopbackName,
  isWildcardAddress,
  parseHost,
  parsePublicHost,
  type HostName,
  type HostRules,
  type PublicHost,
} from './hosts.js';
export {
  normalOrigin,
  originRefusal,
  ownOrigins,
  type OriginFacts,
  type OriginRefusal,
} from './origins.js';
export {
  TOUCH_EVERY_MS,
  needsTouch,
  sessionEnd,
  sessionVerdict,
  type SessionLimits,
  type SessionTimes,
  type SessionVerdict,
} from './sessions.js';
export {
  PRINCIPAL_KINDS,
  ROLES,
  type Principal,
  type PrincipalKind,
  type Role,
} from './principal.js';
export {
  registryDir,
  registryFileName,
  registryFileNameOf,
  type RegisteredServer,
} from './registry.js';
export {
  PERMISSIONS,
  PERMISSION_MEANINGS,
  ROLE_GRANTS,
  allows,
  leastRoleFor,
  type Permission,
} from './permissions.js';
