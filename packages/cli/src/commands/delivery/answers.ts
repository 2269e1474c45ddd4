import type { DeploymentAction, DeploymentStatus, DeploymentType } from '@codedance/api';

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
