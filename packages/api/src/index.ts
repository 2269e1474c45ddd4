/*
 * The Codedance HTTP API contract: what every route takes and answers, as TypeBox schemas the
 * server validates and serializes with, and as the TypeScript types clients read answers as.
 */
export * from './common.js';
export * from './paging.js';
export * from './errors.js';
export * from './status.js';
export * from './auth.js';
export * from './settings.js';
export * from './system.js';
export * from './logs.js';
export * from './events.js';
export * from './tasks.js';
export * from './services.js';
export * from './delivery.js';
export * from './transfer.js';

/** The records of @codedance/core the answers carry as they are, for clients to name their parts. */
export type {
  AnalysisRecord,
  CanaryPhase,
  CheckResult,
  DeploymentAction,
  DeploymentStatus,
  DeploymentStep,
  DeploymentType,
  EnvMap,
  MetricPoint,
  Readiness,
  RunSpec,
  RestartPolicy,
  ServiceSpec,
  ServiceSpecInput,
  SideResource,
  StepStatus,
  StopSignal,
  TaskSpec,
  TaskSpecInput,
  TaskStatus,
} from '@codedance/core';
export * from './tenancy.js';
