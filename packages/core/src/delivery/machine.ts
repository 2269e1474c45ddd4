import type { AppSpec, DeploymentType, RunSpec } from './manifest.js';
import { planSteps } from './steps.js';
import {
  isFinal,
  phaseOf,
  progressPercentage,
  type Deployment,
  type DeploymentAction,
  type DeploymentStatus,
  type DeploymentStep,
  type HookName,
  type HookRun,
  type SideResource,
  trafficWeights,
} from './record.js';

/*
 * The release state machine: pure transitions over a deployment record. The controller
 * carries out what a state asks for (start a version, set weights, run a hook) and records
 * the outcome with these functions, so the stored record is always the whole truth.
 */

const KEEP_LOGS = 500;
const KEEP_POINTS = 720;
const KEEP_LOOKS = 200;

export interface NewDeployment {
  id: string;
  app: AppSpec;
  version: string;
  type: DeploymentType;
  run: RunSpec;
  executor: string;
  /** The side serving now; null on an app's first release. */
  stable: SideResource | null;
  canaryService: string;
  now: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function commandLine(run: RunSpec): string {
  return [run.command, ...(run.args ?? [])].join(' ');
}

/** A new release, PENDING, with its steps planned. */
export function newDeployment(input: NewDeployment): Deployment {
  const { app, stable } = input;
  const steps = planSteps(app, input.type, input.version, stable?.version ?? null);
  const deployment: Deployment = {
    id: input.id,
    app: app.name,
    environment: app.namespace,
    version: input.version,
    previousVersion: stable?.version ?? null,
    deploymentType: input.type,
    status: 'PENDING',
    reason: null,
    executor: input.executor,
    startTime: iso(input.now),
    endTime: null,
    progress: { percentage: 0, currentStep: steps[0]?.name ?? '', currentStepIndex: 0, steps },
    canary: { phase: 'Progressing', currentStep: 0, currentWeight: 0, desiredWeight: 0 },
    resources: {
      stable: stable === null ? null : { ...stable, traffic: 100 },
      canary: {
        version: input.version,
        service: input.canaryService,
        instances: 0,
        ready: 0,
        command: commandLine(input.run),
        traffic: 0,
        state: 'pending',
        port: null,
      },
    },
    metrics: { successRate: [], responseTime: [] },
    analysis: [],
    config: {
      strategy: { ...app.strategy, type: input.type },
      steps: steps.map((s) => ({
        name: s.name,
        kind: s.kind,
        ...(s.weight === undefined ? {} : { weight: s.weight }),
        ...(s.pauseSeconds === undefined ? {} : { pauseSeconds: s.pauseSeconds }),
      })),
      analysis: app.analysis,
      autoRollback: app.autoRollback,
      keepPreviousSeconds: app.keepPreviousMs / 1000,
      sticky: app.sticky,
      hooks: app.hooks,
    },
    run: input.run,
    logs: [],
    hooks: [],
    stepState: null,
    requested: null,
    warmUntil: null,
    trafficChange: null,
    ending: null,
  };
  return log(deployment, input.now, `Release of ${input.version} requested by ${input.executor}`);
}

/** Appends a line to the record's log, keeping the newest lines. */
export function log(d: Deployment, now: number, message: string): Deployment {
  const logs = [...d.logs, { time: iso(now), message }];
  return { ...d, logs: logs.length > KEEP_LOGS ? logs.slice(-KEEP_LOGS) : logs };
}

function withSteps(d: Deployment, steps: DeploymentStep[], index: number): Deployment {
  return {
    ...d,
    progress: {
      percentage: progressPercentage(steps),
      currentStep: steps[index]?.name ?? d.progress.currentStep,
      currentStepIndex: index,
      steps,
    },
    canary: { ...d.canary, currentStep: index },
  };
}

function withStatus(d: Deployment, status: DeploymentStatus): Deployment {
  return { ...d, status, canary: { ...d.canary, phase: phaseOf(status) } };
}

/** The step being carried out, if any. */
export function currentStep(d: Deployment): DeploymentStep | undefined {
  return d.progress.steps[d.progress.currentStepIndex];
}

/** Marks step `index` RUNNING and gives it fresh memory. */
export function beginStep(d: Deployment, index: number, now: number): Deployment {
  const steps = d.progress.steps.map((s, i) =>
    i === index ? { ...s, status: 'RUNNING' as const, startTime: iso(now) } : s,
  );
  const started = withSteps(d.status === 'PENDING' ? withStatus(d, 'RUNNING') : d, steps, index);
  const step = steps[index];
  return log(
    {
      ...started,
      stepState: { since: null, lastLook: null, failures: 0, errorTest: null, waiting: false },
    },
    now,
    `Step ${index + 1}/${steps.length}: ${step?.name ?? ''}`,
  );
}

/** Ends the running step with `status` and a detail line. */
function endStep(
  d: Deployment,
  now: number,
  status: 'COMPLETED' | 'FAILED' | 'SKIPPED',
  detail?: string,
): Deployment {
  const index = d.progress.currentStepIndex;
  const steps = d.progress.steps.map((s, i) =>
    i === index
      ? {
          ...s,
          status,
          endTime: iso(now),
          ...(s.startTime === undefined ? { startTime: iso(now) } : {}),
          ...(detail === undefined ? {} : { detail }),
        }
      : s,
  );
  return withSteps({ ...d, stepState: null }, steps, index);
}

/**
 * Completes the running step and begins the next one; after the last step the release is
 * COMPLETED and the previous version stays warm for `keepPreviousMs`.
 */
export function completeStep(
  d: Deployment,
  now: number,
  detail?: string,
  keepPreviousMs = 0,
): Deployment {
  const ended = endStep(d, now, 'COMPLETED', detail);
  const next = ended.progress.currentStepIndex + 1;
  if (next < ended.progress.steps.length) return beginStep(ended, next, now);
  return completeRelease(ended, now, keepPreviousMs);
}

/** Skips the running step (a test without a hook, steps jumped over by promote). */
export function skipStep(d: Deployment, now: number, detail: string): Deployment {
  const ended = endStep(d, now, 'SKIPPED', detail);
  const next = ended.progress.currentStepIndex + 1;
  if (next < ended.progress.steps.length) return beginStep(ended, next, now);
  return completeRelease(ended, now, 0);
}

function completeRelease(d: Deployment, now: number, keepPreviousMs: number): Deployment {
  const done = withStatus(
    {
      ...d,
      endTime: iso(now),
      reason: null,
      stepState: null,
      warmUntil: d.resources.stable === null ? null : iso(now + keepPreviousMs),
      progress: { ...d.progress, percentage: 100 },
    },
    'COMPLETED',
  );
  return log(done, now, `Release of ${d.version} completed`);
}

/**
 * Ends a release that failed: ROLLED_BACK when traffic went back to the previous version,
 * FAILED otherwise. The running step is marked FAILED and the reason kept in `reason`.
 */
export function failRelease(
  d: Deployment,
  now: number,
  reason: string,
  outcome: 'FAILED' | 'ROLLED_BACK',
): Deployment {
  const index = d.progress.currentStepIndex;
  const running = d.progress.steps[index]?.status === 'RUNNING';
  const ended = running ? endStep(d, now, 'FAILED', reason) : d;
  const failed = withStatus(
    {
      ...ended,
      reason,
      endTime: iso(now),
      stepState: null,
      requested: null,
      warmUntil: null,
      ending: null,
    },
    outcome,
  );
  return log(
    failed,
    now,
    outcome === 'ROLLED_BACK'
      ? `Rolled back to ${d.previousVersion ?? 'nothing'}: ${reason}`
      : `Failed: ${reason}`,
  );
}

/** Stops for a person: PAUSED with the reason; `resume` or `promote` goes on. */
export function waitForPerson(d: Deployment, now: number, reason: string): Deployment {
  if (d.status === 'PAUSED' && d.reason === reason) return d;
  const state = d.stepState ?? {
    since: null,
    lastLook: null,
    failures: 0,
    errorTest: null,
    waiting: false,
  };
  return log(
    withStatus({ ...d, reason, stepState: { ...state, waiting: true } }, 'PAUSED'),
    now,
    `Paused: ${reason}`,
  );
}

/** Records where traffic is now. */
export function setTraffic(d: Deployment, canaryWeight: number): Deployment {
  const stable = d.resources.stable;
  return {
    ...d,
    canary: { ...d.canary, currentWeight: canaryWeight, desiredWeight: canaryWeight },
    resources: {
      stable: stable === null ? null : { ...stable, traffic: 100 - canaryWeight },
      canary: { ...d.resources.canary, traffic: canaryWeight },
    },
  };
}

/**
 * Records where traffic goes next and that the router has yet to confirm it: the change is in
 * flight until {@link trafficApplied}. A change announced while another is in flight keeps the
 * first one's starting point, since the router may still serve it.
 */
export function announceTraffic(d: Deployment, canaryWeight: number, now: number): Deployment {
  const next = setTraffic(d, canaryWeight);
  const from = d.trafficChange?.from ?? trafficWeights(d);
  return { ...next, trafficChange: { from, to: trafficWeights(next), since: iso(now) } };
}

/** The router confirmed the table: it serves the weights the record shows. */
export function trafficApplied(d: Deployment): Deployment {
  return d.trafficChange === null ? d : { ...d, trafficChange: null };
}

/** Adds one sample per version to the record's trend series. */
export function addMetrics(
  d: Deployment,
  now: number,
  points: { version: string; successRate: number | null; p99Ms: number | null }[],
): Deployment {
  const time = iso(now);
  const successRate = [...d.metrics.successRate];
  const responseTime = [...d.metrics.responseTime];
  for (const p of points) {
    if (p.successRate !== null)
      successRate.push({ time, version: p.version, value: p.successRate });
    if (p.p99Ms !== null) responseTime.push({ time, version: p.version, value: p.p99Ms });
  }
  return {
    ...d,
    metrics: {
      successRate: successRate.slice(-KEEP_POINTS),
      responseTime: responseTime.slice(-KEEP_POINTS),
    },
  };
}

export function addAnalysis(d: Deployment, record: Deployment['analysis'][number]): Deployment {
  const analysis = [...d.analysis, record];
  return { ...d, analysis: analysis.length > KEEP_LOOKS ? analysis.slice(-KEEP_LOOKS) : analysis };
}

/**
 * Why `action` cannot be taken on the release now, or null when it can. The controller then
 * carries it out; the record only changes once it has.
 */
export function refusal(d: Deployment, action: DeploymentAction): string | null {
  const final = isFinal(d.status);
  if (d.ending !== null && !final && action !== 'retry') {
    const what = d.ending.outcome === 'ROLLED_BACK' ? 'rolled back' : 'ended';
    return `the release is being ${what}: ${d.ending.reason}`;
  }
  switch (action) {
    case 'pause':
      return d.status === 'RUNNING' || d.status === 'PENDING'
        ? null
        : `a ${d.status} release cannot be paused`;
    case 'resume':
      return d.status === 'PAUSED'
        ? null
        : `only a PAUSED release can be resumed (it is ${d.status})`;
    case 'promote':
      return final ? `a ${d.status} release cannot be promoted` : null;
    case 'abort':
      return final ? `a ${d.status} release has already ended` : null;
    case 'rollback':
      if (d.status !== 'COMPLETED')
        return `only a COMPLETED release can be rolled back (it is ${d.status}); use abort while it runs`;
      return d.previousVersion === null
        ? 'this was the first release: there is no previous version'
        : null;
    case 'retry':
      return d.status === 'FAILED' || d.status === 'ROLLED_BACK'
        ? null
        : `only a FAILED or ROLLED_BACK release can be retried (it is ${d.status})`;
  }
}

/** Pauses a running release where it is: traffic stays, the step clock keeps its place. */
export function pause(d: Deployment, now: number, by: string): Deployment {
  return waitForPerson(d, now, `paused by ${by}`);
}

/** Resumes a paused release; a gate or an inconclusive step then completes. */
export function resume(d: Deployment, now: number, by: string): Deployment {
  const state = d.stepState;
  const resumed = withStatus(
    {
      ...d,
      reason: null,
      stepState: state === null ? null : { ...state, waiting: false, confirmed: state.waiting },
    },
    'RUNNING',
  );
  return log(resumed, now, `Resumed by ${by}`);
}

/**
 * Promote: every remaining traffic, gate and batch step is skipped, and the release goes to
 * full traffic (the step list keeps the skipped steps, marked SKIPPED).
 */
export function promote(d: Deployment, now: number, by: string): Deployment {
  const index = d.progress.currentStepIndex;
  const retire = d.progress.steps.findIndex((s) => s.kind === 'retire');
  const last = retire === -1 ? d.progress.steps.length : retire;
  const full = d.progress.steps.findLastIndex(
    (s, i) => i < last && (s.kind === 'traffic' || s.kind === 'batch') && s.weight === 100,
  );
  const steps = d.progress.steps.map((s, i) => {
    if (i < index || i >= last || i === full || s.status === 'COMPLETED') return s;
    const mustRun = s.kind === 'start' || s.kind === 'check' || s.kind === 'health';
    if (mustRun) return s;
    return {
      ...s,
      status: 'SKIPPED' as const,
      endTime: iso(now),
      ...(s.startTime === undefined ? { startTime: iso(now) } : {}),
      detail: `skipped: promoted by ${by}`,
    };
  });
  const current = steps[index];
  const keepsRunning = current?.status === 'RUNNING';
  let promoted = withStatus(
    withSteps({ ...d, reason: null, stepState: keepsRunning ? d.stepState : null }, steps, index),
    'RUNNING',
  );
  if (!keepsRunning) {
    const next = steps.findIndex((s, i) => i > index && s.status === 'PENDING');
    if (next !== -1) promoted = beginStep(promoted, next, now);
  }
  return log(promoted, now, `Promoted by ${by}: remaining steps skipped, full traffic next`);
}

/** The first step at or after the current one that still has to run, or -1. */
export function nextOpenStep(d: Deployment): number {
  return d.progress.steps.findIndex(
    (s, i) =>
      i >= d.progress.currentStepIndex && (s.status === 'PENDING' || s.status === 'RUNNING'),
  );
}

/**
 * Starts ending a release that failed: from now on traffic goes back to the stable side, the
 * new side stops and the rollback hook runs; the status becomes `outcome` once all that is done
 * ({@link failRelease}). ROLLED_BACK needs a stable side to go back to; without one it is FAILED.
 */
export function beginEnding(
  d: Deployment,
  now: number,
  reason: string,
  outcome: 'FAILED' | 'ROLLED_BACK',
): Deployment {
  if (d.ending !== null) return d;
  const ending = {
    outcome: d.resources.stable === null ? ('FAILED' as const) : outcome,
    reason,
    since: iso(now),
  };
  return log({ ...d, ending }, now, `Ending the release: ${reason}`);
}

/** The run of `hook` in the current step, if it was started. */
export function hookRun(d: Deployment, hook: HookName): HookRun | undefined {
  const step = d.progress.currentStepIndex;
  return d.hooks.find((h) => h.hook === hook && h.step === step);
}

/** Notes that `hook` starts now in the current step: written before it runs, so it runs once. */
export function hookStarted(d: Deployment, hook: HookName, now: number): Deployment {
  const run: HookRun = {
    hook,
    step: d.progress.currentStepIndex,
    startedAt: iso(now),
    endedAt: null,
    ok: null,
    detail: 'running',
  };
  return { ...d, hooks: [...d.hooks, run] };
}

/** Notes how the current step's run of `hook` ended. */
export function hookEnded(
  d: Deployment,
  hook: HookName,
  now: number,
  outcome: { ok: boolean; detail: string },
): Deployment {
  const step = d.progress.currentStepIndex;
  const hooks = d.hooks.map((h) =>
    h.hook === hook && h.step === step && h.endedAt === null
      ? { ...h, endedAt: iso(now), ok: outcome.ok, detail: outcome.detail }
      : h,
  );
  return log(
    { ...d, hooks },
    now,
    `${hook} hook ${outcome.ok ? 'passed' : 'failed'}: ${outcome.detail}`,
  );
}

/** A run that was under way when the controller died: it failed, and is never run again. */
export function hookInterrupted(d: Deployment, hook: HookName, now: number): Deployment {
  return hookEnded(d, hook, now, {
    ok: false,
    detail: 'interrupted by a restart of Codedance; not run again',
  });
}
