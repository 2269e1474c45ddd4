import type {
  Deployment,
  DeploymentAction,
  DeploymentStatus,
  DeploymentSummary,
  DeploymentType,
  RunSpec,
} from '@codedance/core';

/*
 * The answers of progressive delivery's API. The record types come from core as types only, so
 * the CLI and the server cannot disagree on them and the CLI still loads nothing of core.
 */

export type { Deployment, DeploymentAction, DeploymentStatus, DeploymentSummary, RunSpec };

/** One side that serves an app, as `GET /api/apps` shows it. */
export interface ServingSideAnswer {
  version: string;
  service: string;
  instances: number;
  ready: number;
  command: string;
  traffic: number;
  state: string;
  port: number | null;
  run: RunSpec;
}

/** `GET /api/apps/{namespace}/{name}`, and each item of `GET /api/apps`. */
export interface AppAnswer {
  name: string;
  namespace: string;
  key: string;
  port: number;
  instances: number;
  strategy: DeploymentType;
  stable: ServingSideAnswer | null;
  previous: (ServingSideAnswer & { warmUntil: string; deployment: string }) | null;
  lastDeployment: DeploymentSummary | null;
  appliedAt: string;
  manifest: { spec: { run: RunSpec } & Record<string, unknown> } & Record<string, unknown>;
}

/** `POST /api/apply` */
export interface ApplyAnswer {
  created: boolean;
  app: AppAnswer;
}

/** `GET /api/deployments` */
export interface DeploymentPage {
  items: DeploymentSummary[];
  total: number;
  nextCursor: string | null;
}

/** One event of `/ws/events` about a release. */
export interface DeploymentEvent {
  id: string;
  app: string;
  namespace: string;
}

/** Release strategies, as `--strategy` takes them. */
export const STRATEGIES = [
  'CANARY',
  'BLUE_GREEN',
  'ROLLING',
  'ALL_AT_ONCE',
] as const satisfies readonly DeploymentType[];

export const STATUSES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'COMPLETED',
  'FAILED',
  'ROLLED_BACK',
] as const satisfies readonly DeploymentStatus[];

/** The actions `codedance rollout <action>` takes, in the order its help lists them. */
export const ACTIONS = [
  'pause',
  'resume',
  'promote',
  'abort',
  'rollback',
  'retry',
] as const satisfies readonly DeploymentAction[];

/** Statuses a release never leaves on its own. */
export const FINAL: readonly DeploymentStatus[] = ['COMPLETED', 'FAILED', 'ROLLED_BACK'];

/** What a deployment id looks like (`dep-20260315-1a2b3c4d`); anything else names an app. */
export const DEPLOYMENT_ID = /^dep-\d{8}-[0-9a-f]{8}$/;

export const appPath = (namespace: string, name: string) =>
  `/api/apps/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;

export const deploymentPath = (id: string, tail = '') =>
  `/api/deployments/${encodeURIComponent(id)}${tail}`;
