export { Access, type AccessOptions, type RotationReport } from './access.js';
export {
  ADMIN_TOKEN_FILE,
  CREDENTIALS_DIR,
  adminTokenFile,
  newSecret,
  sameSecret,
  secretHash,
} from './credential.js';
export { ADMIN, bearerToken, sessionCookieName } from './guard.js';
export { accessRoutes, installAccess } from './install.js';
export { LOGIN_CODE_TTL_MS } from './login-codes.js';
export { requestOrigin } from './routes.js';
export { SESSION_KIND } from './sessions.js';
export { CLOSE_UNAUTHENTICATED } from './sockets.js';
export {
  PRIVATE_DIR,
  PRIVATE_FILE,
  privateDir,
  privateDirSync,
  writePrivateFile,
} from './secure-files.js';
export { forgetServer, registerServer } from './registry.js';
