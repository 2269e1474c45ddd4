import type { CheckResult, Verdict } from '../analysis/index.js';
import type { SequentialErrorTest } from '../analysis/index.js';
import type { DeploymentType, RunSpec } from './manifest.js';

/** A release's status, as seed 003 names it, plus PAUSED. */
export const DEPLOYMENT_STATUSES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'COMPLETED',
  'FAILED',
  'ROLLED_BACK',
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

/** Statuses a release never leaves on its own. */
export const FINAL_STATUSES: readonly DeploymentStatus[] = ['COMPLETED', 'FAILED', 'ROLLED_BACK'];

export const STEP_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/**
 * What a step does: `check` runs the pre-rollout hook, `start` starts the new version and waits
 * until it is ready, `health` checks every instance of it again, `test` runs the test hook, `traffic` sets a weight then pauses and analyses,
 * `gate` waits for promote, `observe` watches full traffic, `batch` moves instances (rolling),
 * `retire` schedules the old version's end.
 */
export const STEP_KINDS = [
  'check',
  'start',
  'health',
  'test',
  'traffic',
  'gate',
  'observe',
  'batch',
  'retire',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Seed 000's view of a release. */
export const CANARY_PHASES = ['Progressing', 'Paused', 'Succeeded', 'Failed'] as const;
export type CanaryPhase = (typeof CANARY_PHASES)[number];

export const DEPLOYMENT_ACTIONS = [
  'pause',
  'resume',
  'promote',
  'abort',
  'rollback',
  'retry',
] as const;
export type DeploymentAction = (typeof DEPLOYMENT_ACTIONS)[number];

export interface DeploymentStep {
  name: string;
  kind: StepKind;
  /** The new version's share of traffic this step sets (traffic, batch, observe). */
  weight?: number;
  /** How long the step watches before it completes; null waits for promote. */
  pauseSeconds?: number | null;
  analysis?: boolean;
  /** Rolling: instances of the new and the old version once this batch is done. */
  instances?: { canary: number; stable: number };
  status: StepStatus;
  startTime?: string;
  endTime?: string;
  /** A sentence on what happened, for the timeline. */
  detail?: string;
}

/** One side of a release: the stable (old) or the canary (new) version. */
export interface SideResource {
  version: string;
  /** The supervised service that runs this version. */
  service: string;
  instances: number;
  ready: number;
  command: string;
  /** Percent of requests routed here. */
  traffic: number;
  state: 'pending' | 'starting' | 'running' | 'warm' | 'stopped' | 'failed';
  /** First port; instance i listens on port + i. */
  port: number | null;
}

export interface MetricPoint {
  time: string;
  version: string;
  value: number;
}

/** One analysis look, with the evidence that decided it. */
export interface AnalysisRecord {
  time: string;
  step: number;
  verdict: Verdict;
  reason: string | null;
  checks: CheckResult[];
  comparison: {
    errorTest: { decision: string; evidence: string } | null;
    latency: { verdict: Verdict; evidence: string } | null;
  } | null;
  canary: { requests: number; errors: number };
  baseline: { requests: number; errors: number } | null;
}

/** What the running step remembers between looks, so a restart resumes it. */
export interface StepState {
  /** Epoch ms when the step began watching (after its weight was applied). */
  since: number | null;
  /** Epoch ms of the last analysis look. */
  lastLook: number | null;
  failures: number;
  errorTest: SequentialErrorTest | null;
  /** Waiting for a person: promote or resume moves on. */
  waiting: boolean;
  /** A person resumed the step after it waited: a gate or a pause without duration is done. */
  confirmed?: boolean;
}

export interface HookRun {
  hook: string;
  step: number;
  startedAt: string;
  endedAt: string | null;
  ok: boolean | null;
  detail: string;
}

/** Percent of requests per version, for the versions that get any. */
export type TrafficWeights = Record<string, number>;

/**
 * A router table change the record has announced and the router has not yet confirmed. From
 * the save that sets it until the save that clears it, the router serves either `from` or `to`;
 * at any other time it serves exactly the weights of `resources`.
 */
export interface TrafficChange {
  from: TrafficWeights;
  to: TrafficWeights;
  /** When the change was announced (ISO time). */
  since: string;
}

/** A release of one version of an app: seed 003's deployment record and seed 000's status. */
export interface Deployment {
  id: string;
  app: string;
  environment: string;
  version: string;
  previousVersion: string | null;
  deploymentType: DeploymentType;
  status: DeploymentStatus;
  reason: string | null;
  executor: string;
  startTime: string;
  endTime: string | null;
  progress: {
    percentage: number;
    currentStep: string;
    currentStepIndex: number;
    steps: DeploymentStep[];
  };
  canary: { phase: CanaryPhase; currentStep: number; currentWeight: number; desiredWeight: number };
  resources: { stable: SideResource | null; canary: SideResource };
  metrics: { successRate: MetricPoint[]; responseTime: MetricPoint[] };
  analysis: AnalysisRecord[];
  config: Record<string, unknown>;
  run: RunSpec;
  logs: { time: string; message: string }[];
  hooks: HookRun[];
  /** The running step's memory; null between steps. */
  stepState: StepState | null;
  /** An action asked for and not yet carried out by the controller. */
  requested: { action: DeploymentAction; at: string; by: string } | null;
  /** After COMPLETED: when the previous version is stopped (it stays warm until then). */
  warmUntil: string | null;
  /** A change of the router's table in flight; null when the router serves `resources`' weights. */
  trafficChange: TrafficChange | null;
}

/** The weights the record says the router serves: each side with a share above 0. */
export function trafficWeights(d: Pick<Deployment, 'resources'>): TrafficWeights {
  const weights: TrafficWeights = {};
  for (const side of [d.resources.stable, d.resources.canary]) {
    if (side !== null && side.traffic > 0) weights[side.version] = side.traffic;
  }
  return weights;
}

/** Seed 000's phase for a status. */
export function phaseOf(status: DeploymentStatus): CanaryPhase {
  switch (status) {
    case 'PENDING':
    case 'RUNNING':
      return 'Progressing';
    case 'PAUSED':
      return 'Paused';
    case 'COMPLETED':
      return 'Succeeded';
    case 'FAILED':
    case 'ROLLED_BACK':
      return 'Failed';
  }
}

export function isFinal(status: DeploymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Share of steps done, in percent (skipped steps count as done). */
export function progressPercentage(steps: readonly DeploymentStep[]): number {
  if (steps.length === 0) return 0;
  const done = steps.filter((s) => s.status === 'COMPLETED' || s.status === 'SKIPPED').length;
  return Math.round((done / steps.length) * 100);
}

/** The compact row a list, a filter and an export work on. */
export interface DeploymentSummary {
  id: string;
  app: string;
  environment: string;
  version: string;
  previousVersion: string | null;
  deploymentType: DeploymentType;
  status: DeploymentStatus;
  reason: string | null;
  executor: string;
  startTime: string;
  endTime: string | null;
  /** Milliseconds from start to end, or to now while running. */
  durationMs: number | null;
  phase: CanaryPhase;
  currentStep: number;
  currentWeight: number;
  percentage: number;
}

export function summarise(deployment: Deployment): DeploymentSummary {
  const end = deployment.endTime === null ? null : Date.parse(deployment.endTime);
  return {
    id: deployment.id,
    app: deployment.app,
    environment: deployment.environment,
    version: deployment.version,
    previousVersion: deployment.previousVersion,
    deploymentType: deployment.deploymentType,
    status: deployment.status,
    reason: deployment.reason,
    executor: deployment.executor,
    startTime: deployment.startTime,
    endTime: deployment.endTime,
    durationMs: end === null ? null : end - Date.parse(deployment.startTime),
    phase: deployment.canary.phase,
    currentStep: deployment.canary.currentStep,
    currentWeight: deployment.canary.currentWeight,
    percentage: deployment.progress.percentage,
  };
}
