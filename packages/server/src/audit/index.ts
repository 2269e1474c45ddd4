export {
  AUDIT_KIND,
  AUDIT_RESULTS,
  AuditTrail,
  auditToCsv,
  auditView,
  installAuditTrail,
  type AuditEntry,
  type AuditResult,
  type AuditView,
} from './trail.js';
export { MAX_AUDIT_EXPORT, auditRoutes } from './routes.js';
