export {
  AUDIT_KIND,
  AuditTrail,
  auditToCsv,
  auditView,
  installAuditTrail,
  type AuditEntry,
  type AuditView,
} from './trail.js';
export { MAX_AUDIT_EXPORT, auditRoutes } from './routes.js';
