/*
 * What the server answers, as its routes document it. Where the server sends a
 * record of @codedance/core unchanged (the deployment record and its parts, task
 * statuses), its type comes from core; the rest mirror the server's views. Core
 * is imported for types only: the runtime lists below stay here, so none of
 * core's code reaches the browser.
 */

export type {
  BusEvent,
  CanarySummary,
  ConfigAnswer,
  ConfigReport,
  ConfigUpdate,
  DeploymentPage,
  LogEntry,
  LogSource,
  MetricSample,
  MonitoringMetrics,
  ProcessItem,
  ProcessList,
  StorageInfo,
  TaskRun,
  TriggerResult,
} from '@codedance/api';

import type {
  CanaryPhase,
  DeploymentStatus,
  DeploymentType,
  EnvMap,
  Readiness,
  RestartPolicy,
  ServiceSpec,
  StopSignal,
  TaskStatus,
} from '@codedance/core';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// Tasks (seed 004)

export type { TaskStatus };
export const TASK_STATUSES = [
  'IDLE',
  'RUNNING',
  'SUCCESS',
  'FAILED',
  'EXCEPTION',
  'DISABLED',
] as const satisfies readonly TaskStatus[];

/** A task definition in seed 004's snake_case, as `POST /api/tasks` takes it. */
export interface TaskSpec {
  id: string;
  script_path: string;
  execute_path?: string;
  args?: string[];
  cwd?: string;
  environment?: EnvMap;
  interval_minutes?: number;
  cron?: string;
  timezone?: string;
  enabled?: boolean;
  description?: string;
  timeout?: number;
  retry_count?: number;
  retry_delay?: number;
  shell?: boolean;
}

export interface LastRun {
  run: string;
  status: string;
  reason: string | null;
  finishedAt: string;
  durationMs: number;
  exitCode: number | null;
}

export interface Task extends TaskSpec {
  version: number;
  status: TaskStatus;
  running: number;
  queued: number;
  nextRunAt: string | null;
  lastRun: LastRun | null;
}

export interface TaskDetail extends Task {
  upcoming: string[];
  stats: {
    runs: number;
    success: number;
    failed: number;
    exception: number;
    successRate: number | null;
    meanDurationMs: number | null;
  };
}

export interface BatchResult {
  results: (
    { ok: true; id: string } | { ok: false; id: string; error: { code: string; message: string } }
  )[];
}

// Services: the definition is core's, sent as written (`ServiceDefinition`) and answered with
// its defaults filled in (`ServiceSpec`).

export type {
  Readiness,
  ServiceSpec,
  ServiceSpecInput as ServiceDefinition,
} from '@codedance/core';

export interface ExitRecord {
  code: number | null;
  signal: string | null;
  at: string;
}

export interface ServiceInstance {
  instance: number;
  state: string;
  desired: string;
  pid: number | null;
  port: number | null;
  restarts: number;
  startedAt: string | null;
  readyAt: string | null;
  uptimeSeconds: number;
  cpuPercent: number | null;
  rssBytes: number | null;
  lastExit: ExitRecord | null;
  nextRestartAt: string | null;
  reason: string | null;
}

export const RESTART_POLICIES = [
  'always',
  'on-failure',
  'never',
] as const satisfies readonly RestartPolicy[];

export const STOP_SIGNALS = [
  'SIGTERM',
  'SIGINT',
  'SIGQUIT',
  'SIGHUP',
  'SIGUSR1',
  'SIGUSR2',
] as const satisfies readonly StopSignal[];

export const READINESS_TYPES = [
  'http',
  'tcp',
  'log',
  'uptime',
] as const satisfies readonly Readiness['type'][];

export interface Service {
  name: string;
  version: number;
  status: string;
  rolling: boolean;
  /** The definition with every default filled in, as the server keeps it. */
  spec: ServiceSpec;
  ready: number;
  desired: number;
  restarts: number;
  /** Null until an instance has been sampled. */
  cpuPercent: number | null;
  rssBytes: number | null;
  instances: ServiceInstance[];
  logTail?: { time: string; instance: number | null; stream: string; line: string }[];
  /** Set when a release runs this service as a version of an app. */
  release?: ServiceRelease | null;
}

/** The part a service plays for a release: its app's live, new or warm previous version. */
export interface ServiceRelease {
  namespace: string;
  app: string;
  version: string;
  role: 'stable' | 'canary' | 'previous';
  deployment: string | null;
}

// System

export interface SystemInfo {
  hostname: string;
  platform: string;
  release: string;
  arch: string;
  uptimeSeconds: number;
  node: string;
  cpus: { count: number; model: string; speedMHz: number; loadAverage: [number, number, number] };
  memory: { totalBytes: number; availableBytes: number; usedBytes: number; usedPercent: number };
  disk: { path: string; totalBytes: number; availableBytes: number; usedPercent: number };
  process: { pid: number; rssBytes: number; heapUsedBytes: number; uptimeSeconds: number };
}

export interface Health {
  status: 'ok' | 'unavailable';
  /** Told only to a signed-in caller: anyone else gets `status` alone. */
  ready?: boolean;
  store?: { backend: string; ok: boolean; latencyMs: number | null };
}

export interface ServerStatus {
  name: string;
  version: string;
  uptimeSeconds: number;
  startedAt: string;
  pid: number;
  node: string;
  store: { backend: string; location: string; ok: boolean; schemaVersion: number | null };
}

// Settings

// Deployments (docs/delivery.md): `GET /api/deployments/{id}` and the actions answer core's
// record as the store holds it, and the list's rows are core's summaries.

export type {
  AnalysisRecord,
  CanaryPhase,
  CheckResult as AnalysisCheck,
  Deployment,
  DeploymentAction,
  DeploymentStatus,
  DeploymentStep,
  DeploymentSummary as DeploymentRow,
  DeploymentType,
  MetricPoint,
  SideResource,
  StepStatus,
} from '@codedance/core';

export const DEPLOYMENT_STATUSES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'COMPLETED',
  'FAILED',
  'ROLLED_BACK',
] as const satisfies readonly DeploymentStatus[];

export const DEPLOYMENT_TYPES = [
  'CANARY',
  'BLUE_GREEN',
  'ROLLING',
  'ALL_AT_ONCE',
] as const satisfies readonly DeploymentType[];

export const CANARY_PHASES = [
  'Progressing',
  'Paused',
  'Succeeded',
  'Failed',
] as const satisfies readonly CanaryPhase[];

export interface LiveMetricValues {
  successRate: number | null;
  errorRate: number | null;
  latencyP50: number | null;
  latencyP90: number | null;
  latencyP99: number | null;
  requestRate: number | null;
}

export interface LiveMetrics extends LiveMetricValues {
  timestamp: number | string;
  versions?:
    Record<string, Partial<LiveMetricValues>> | (Partial<LiveMetricValues> & { version: string })[];
}
