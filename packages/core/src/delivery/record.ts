import type { CheckResult, ErrorTestDecision, Verdict } from '../analysis/index.js';
import type { SequentialErrorTest } from '../analysis/index.js';
import type {
  AnalysisSettings,
  AppSpec,
  DeploymentType,
  HookSettings,
  RunSpec,
  StrategySettings,
} from './manifest.js';

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

/**
 * One version over a measured window, in the units of the metrics API (seed 000): rates in
 * percent, latencies in milliseconds, requests per second; null where the window had no request.
 */
export interface WindowMetrics {
  requests: number;
  successRate: number | null;
  errorRate: number | null;
  latencyP50: number | null;
  latencyP90: number | null;
  latencyP99: number | null;
  requestRate: number;
}

/** The newest window the router measured during a release, per version (ISO times). */
export interface MeasuredMetrics {
  from: string;
  to: string;
  versions: Record<string, WindowMetrics>;
}

/** One analysis look, with the evidence that decided it. */
export interface AnalysisRecord {
  time: string;
  step: number;
  verdict: Verdict;
  reason: string | null;
  checks: CheckResult[];
  comparison: {
    errorTest: { decision: ErrorTestDecision; evidence: string } | null;
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

/** The hooks a release runs, each at most once per step (see `HookRun`). */
export const HOOK_NAMES = ['preRollout', 'test', 'step', 'postRollout', 'rollback'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** One run of a hook: written before it starts, so a run is never repeated after a restart. */
export interface HookRun {
  hook: HookName;
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

/**
 * The settings a release was started with, for people reading its record: the app's strategy
 * (its `type` is this release's), the planned steps, and the analysis, rollback, keep-warm,
 * sticky and hook settings. Rates are fractions and durations milliseconds, as in `AppSpec`.
 */
export type DeploymentConfig = {
  strategy: StrategySettings;
  steps: Pick<DeploymentStep, 'name' | 'kind' | 'weight' | 'pauseSeconds'>[];
  analysis: AnalysisSettings;
  autoRollback: boolean;
  keepPreviousSeconds: number;
  sticky: boolean;
  hooks: HookSettings;
};

/** An action a person asked for, recorded until the release has carried it out. */
export interface DeploymentRequest {
  action: DeploymentAction;
  at: string;
  by: string;
  /** Rollback after completion: whether the version it goes back to was still warm. */
  warm?: boolean;
}

/**
 * A release on its way out: traffic goes back to the stable side, the new side stops, the
 * rollback hook runs, then the status becomes `outcome`. Recorded first, so a controller that
 * dies half-way finishes it.
 */
export interface ReleaseEnding {
  outcome: 'FAILED' | 'ROLLED_BACK';
  reason: string;
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
  /**
   * The newest window measured while traffic was split; once the release has ended, its final
   * one. Absent on records saved before it was kept, and until the first measurement.
   */
  latestWindow?: MeasuredMetrics | null;
  analysis: AnalysisRecord[];
  config: DeploymentConfig;
  run: RunSpec;
  logs: { time: string; message: string }[];
  hooks: HookRun[];
  /** The running step's memory; null between steps. */
  stepState: StepState | null;
  /** An action asked for and not yet carried out by the controller. */
  requested: DeploymentRequest | null;
  /** Set while the release is being rolled back or failed; null otherwise. */
  ending: ReleaseEnding | null;
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

/** A side that serves or served an app, with what it needs to be started again. */
export interface ServingSide extends SideResource {
  run: RunSpec;
}

/** A version kept warm after the release that replaced it completed. */
export type WarmSide = ServingSide & {
  /** When it is stopped (ISO time). */
  warmUntil: string;
  /** The release that replaced it. */
  deployment: string;
};

/** An app as stored: its manifest and which versions run. */
export interface AppRecord {
  spec: AppSpec;
  /** The version that takes traffic when no release runs. */
  stable: ServingSide | null;
  /** The version replaced by the last completed release, warm until `warmUntil`. */
  previous: WarmSide | null;
  lastDeployment: string | null;
  appliedAt: string;
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
