import { beginEnding, completeStep, hookInterrupted, hookRun, waitForPerson } from '../machine.js';
import type { HookSpec } from '../manifest.js';
import type {
  AppRecord,
  Deployment,
  DeploymentStep,
  HookName,
  ServingSide,
  SideResource,
  StepState,
} from '../record.js';
import { freshStepState } from './look.js';
import type { Action, Observations, SideObservation } from './world.js';

/** Extra time past `readinessTimeout` before a version that is not ready fails the release. */
export const READY_GRACE_MS = 5000;

/** What one decision reads: the record, the app, the world, the time. */
export interface Context {
  d: Deployment;
  app: AppRecord;
  obs: Observations;
  now: number;
}

export const save = (record: Deployment): Action => ({ kind: 'save', record });

const ABSENT: SideObservation = {
  exists: false,
  status: null,
  desired: 0,
  ready: 0,
  failure: null,
};

/** What the supervisor says of `service`; absent when it was not observed or does not exist. */
export function sideOf(obs: Observations, service: string): SideObservation {
  return obs.sides[service] ?? ABSENT;
}

/** Whether the side runs `instances` instances, every one of them ready. */
export function ready(side: SideObservation, instances: number): boolean {
  return side.status === 'ONLINE' && side.desired === instances && side.ready === instances;
}

/** Whether the side cannot run as it is: it keeps crashing, or could not be started at all. */
export function broken(side: SideObservation): boolean {
  return side.status === 'CRASHLOOP' || side.status === 'ERRORED';
}

/** Why a broken side does not run, for a reason. */
export function brokenWhy(version: string, side: SideObservation): string {
  return `${version} ${side.failure ?? `is ${side.status ?? 'gone'}`}`;
}

/** The new version's side, with what it runs. */
export function canarySide(d: Deployment): ServingSide {
  return { ...d.resources.canary, run: d.run };
}

/** The stable side, with what it runs (the app's `run` when its own is not known). */
export function stableSide(d: Deployment, app: AppRecord): ServingSide | null {
  const stable = d.resources.stable;
  if (stable === null) return null;
  const run = app.stable?.version === stable.version ? app.stable.run : app.spec.run;
  return { ...stable, run };
}

/** The record's view of a side after what the supervisor says of it (the same object when alike). */
export function seenSide(side: SideResource, seen: SideObservation): SideResource {
  const next: Pick<SideResource, 'ready' | 'state' | 'instances'> = seen.exists
    ? {
        ready: seen.ready,
        instances: seen.desired,
        state:
          seen.status === 'ONLINE'
            ? 'running'
            : seen.status === 'STOPPED' || seen.status === 'STOPPING'
              ? 'stopped'
              : seen.status === 'STARTING'
                ? 'starting'
                : 'failed',
      }
    : {
        ready: 0,
        instances: side.instances,
        state: side.state === 'pending' ? 'pending' : 'stopped',
      };
  return next.ready === side.ready && next.state === side.state && next.instances === side.instances
    ? side
    : { ...side, ...next };
}

/** The record with both sides as the supervisor sees them (a side not started yet stays pending). */
export function refreshSides(d: Deployment, obs: Observations): Deployment {
  const { stable, canary } = d.resources;
  const nextCanary =
    canary.state === 'pending' && !sideOf(obs, canary.service).exists
      ? canary
      : seenSide(canary, sideOf(obs, canary.service));
  const nextStable = stable === null ? null : seenSide(stable, sideOf(obs, stable.service));
  if (nextCanary === canary && nextStable === stable) return d;
  return { ...d, resources: { stable: nextStable, canary: nextCanary } };
}

/**
 * The app once `d` is its stable version: the version it replaces stays warm for
 * `keepPrevious`, with as many instances as it runs now.
 */
export function promotedApp(ctx: Context): AppRecord {
  const { d, app, now } = ctx;
  const old = app.stable;
  return {
    ...app,
    stable: {
      ...canarySide(d),
      traffic: 100,
      state: 'running',
      instances: app.spec.instances,
    },
    previous:
      old === null
        ? null
        : {
            ...old,
            traffic: 0,
            state: 'warm',
            instances: sideOf(ctx.obs, old.service).desired || old.instances,
            warmUntil: new Date(now + app.spec.keepPreviousMs).toISOString(),
            deployment: d.id,
          },
  };
}

/**
 * Completes the current step with `detail`. The last step first makes the new version the app's
 * stable one; `record` is the release with what this decision already changed in it.
 */
export function finish(ctx: Context, detail: string, record: Deployment = ctx.d): Action[] {
  const { d, app, now } = ctx;
  const last = d.progress.currentStepIndex === d.progress.steps.length - 1;
  if (last && app.stable?.version !== d.version) {
    return [...(record === d ? [] : [save(record)]), { kind: 'saveApp', app: promotedApp(ctx) }];
  }
  return [save(completeStep(record, now, detail, app.spec.keepPreviousMs))];
}

/** The release fails: what follows is traffic back, the new side stopped, the rollback hook. */
export function fail(
  ctx: Context,
  reason: string,
  outcome: 'FAILED' | 'ROLLED_BACK',
  record: Deployment = ctx.d,
): Action[] {
  return [save(beginEnding(record, ctx.now, reason, outcome))];
}

/** Waits for a person at the current step; once they resumed, the step completes. */
export function waitStep(ctx: Context, reason: string, record: Deployment = ctx.d): Action[] {
  const state: StepState = record.stepState ?? freshStepState(ctx.now);
  if (state.confirmed === true) return finish(ctx, 'confirmed', record);
  const marked = { ...record, stepState: { ...state, since: state.since ?? ctx.now } };
  return [save(waitForPerson(marked, ctx.now, reason))];
}

/**
 * Where the current step's run of `hook` stands: not run yet (run it), cut short by a restart
 * (mark it failed), or ended with its outcome.
 */
export function hookOutcome(
  ctx: Context,
  hook: HookName,
  spec: HookSpec,
): { actions: Action[] } | { ok: boolean; detail: string } {
  const run = hookRun(ctx.d, hook);
  if (run === undefined) {
    return {
      actions: [{ kind: 'runHook', hook, step: ctx.d.progress.currentStepIndex, spec }],
    };
  }
  if (run.endedAt === null) return { actions: [save(hookInterrupted(ctx.d, hook, ctx.now))] };
  return { ok: run.ok === true, detail: run.detail };
}
/** How long the step has run, in ms. */
export function elapsed(ctx: Context, step: DeploymentStep): number {
  return ctx.now - Date.parse(step.startTime ?? new Date(ctx.now).toISOString());
}

/** Whether a version still not ready has had its time: `readinessTimeout` plus a grace. */
export function outOfTime(ctx: Context, step: DeploymentStep): boolean {
  return elapsed(ctx, step) > ctx.app.spec.readinessTimeoutMs + READY_GRACE_MS;
}
