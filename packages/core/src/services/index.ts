export {
  RESTART_POLICIES,
  ReadinessSchema,
  SERVICE_NAME_PATTERN,
  STOP_SIGNALS,
  ServiceSpecSchema,
  type Readiness,
  type RestartPolicy,
  type ServiceBackoff,
  type ServiceCrashloop,
  type ServiceDefaultedField,
  type ServiceLogs,
  ServiceLogsSchema,
  type ServiceSpec,
  type ServiceSpecInput,
  type StopSignal,
} from './schema.js';
export { acceptsStatus, instanceEnv, maxMemoryBytes, validateServiceSpec } from './validate.js';
export { decideRestart, type RestartDecision, type RestartInput } from './restart.js';
export {
  INSTANCE_STATES,
  SERVICE_STATUSES,
  serviceStatus,
  type InstanceState,
  type ServiceStatus,
} from './status.js';
export { formatLogDate, logCopyFiles } from './log-copies.js';
