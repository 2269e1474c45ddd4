import {
  announceTraffic,
  beginEnding,
  beginStep,
  currentStep,
  failRelease,
  log,
  pause,
  promote,
  refusal,
  resume,
  trafficApplied,
} from '../machine.js';
import {
  isFinal,
  trafficWeights,
  type Deployment,
  type DeploymentRequest,
  type ServingSide,
} from '../record.js';
import {
  broken,
  brokenWhy,
  hookOutcome,
  READY_GRACE_MS,
  ready,
  refreshSides,
  save,
  sideOf,
  stableSide,
  type Context,
} from './context.js';
import { desiredTable, sameTable, sameWeights, tableWeights } from './routing.js';
import { stepActions } from './steps.js';
import type { Action, Observations } from './world.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The app is gone (its record was removed from under a release): the release fails. */
function appGone(d: Deployment, obs: Observations, now: number): Action[] {
  if (isFinal(d.status)) return [];
  const canary = d.resources.canary.service;
  if (sideOf(obs, canary).exists) return [{ kind: 'stopSide', service: canary }];
  return [save(failRelease(d, now, 'the app was deleted', 'FAILED'))];
}

/**
 * A person's pause, resume or promote, or any action the release's state no longer allows:
 * these only change the record.
 */
function recordRequest(d: Deployment, now: number): Action[] | null {
  const ask = d.requested;
  if (ask === null) return null;
  const why = refusal(d, ask.action);
  const done = { ...d, requested: null };
  if (why !== null) {
    return [save(log(done, now, `${ask.action} by ${ask.by} not carried out: ${why}`))];
  }
  switch (ask.action) {
    case 'pause':
      return [save(pause(done, now, ask.by))];
    case 'resume':
      return [save(resume(done, now, ask.by))];
    case 'promote':
      return [save(promote(done, now, ask.by))];
    case 'retry':
      // A retry is a new release, which the controller starts; nothing changes in this one.
      return [save(done)];
    case 'abort':
    case 'rollback':
      return null;
  }
}

/**
 * The router serves what the record says. A change the record announced is applied and then
 * confirmed; a table that drifted (a router restarted on an older table, a warm version's time
 * up) is set again, announced first when the weights differ.
 */
function routing(ctx: Context): Action[] | null {
  const { d, app, obs, now } = ctx;
  const served = obs.router.table;
  if (served === null) return null;
  const desired = desiredTable(d, app, obs.host, now);
  if (sameTable(desired, served)) {
    return d.trafficChange === null ? null : [save(trafficApplied(d))];
  }
  let record = d;
  const actions: Action[] = [];
  if (d.trafficChange === null && !sameWeights(tableWeights(served), trafficWeights(d))) {
    record = {
      ...d,
      trafficChange: { from: tableWeights(served), to: trafficWeights(d), since: iso(now) },
    };
    actions.push(save(record));
  }
  actions.push({ kind: 'setTable', table: desired });
  if (record.trafficChange !== null) actions.push(save(trafficApplied(record)));
  return actions;
}

/**
 * Rollback of a completed release: the version it replaced (warm, or started again) gets every
 * instance ready, traffic goes back to it, it becomes the app's stable version, the released
 * version stops and the rollback hook runs.
 */
function rollbackAfterCompletion(ctx: Context, ask: DeploymentRequest): Action[] {
  const { d, app, obs, now } = ctx;
  const warm = app.previous !== null && app.previous.version === d.previousVersion;
  const target: ServingSide | null = warm ? app.previous : stableSide(d, app);
  if (target === null) {
    return [save(log({ ...d, requested: null }, now, 'nothing to roll back to'))];
  }
  const instances = app.spec.instances;
  if (d.resources.canary.traffic > 0) {
    const seen = sideOf(obs, target.service);
    if (!ready(seen, instances)) {
      const late = now > Date.parse(ask.at) + app.spec.readinessTimeoutMs + READY_GRACE_MS;
      if (broken(seen) || late) {
        const why = broken(seen)
          ? brokenWhy(target.version, seen)
          : `${target.version} has ${seen.ready}/${instances} instances ready`;
        const given = { ...d, requested: null };
        return [save(log(given, now, `Rollback to ${target.version} by ${ask.by} failed: ${why}`))];
      }
      if (!seen.exists || seen.desired !== instances || seen.status === 'STOPPED') {
        return [{ kind: 'startSide', side: target, instances }];
      }
      return [];
    }
    const stable = d.resources.stable ?? target;
    const back = announceTraffic(
      {
        ...d,
        requested: { ...ask, warm },
        resources: { ...d.resources, stable: { ...stable, instances, state: 'running' } },
      },
      0,
      now,
    );
    return [save(log(back, now, `Traffic back to ${target.version}`))];
  }
  if (app.stable?.version !== target.version) {
    const stable = { ...target, traffic: 100, state: 'running' as const, instances };
    return [{ kind: 'saveApp', app: { ...app, stable, previous: null } }];
  }
  const released = d.resources.canary.service;
  if (sideOf(obs, released).exists) return [{ kind: 'stopSide', service: released }];
  const hook = app.spec.hooks.rollback;
  if (hook !== null) {
    const run = hookOutcome(ctx, 'rollback', hook);
    if ('actions' in run) return run.actions;
  }
  const how = ask.warm === true ? 'it was warm: a router switch' : 'started again';
  const reason = `rolled back to ${target.version} by ${ask.by} after completion (${how})`;
  return [save(failRelease({ ...d, requested: null }, now, reason, 'ROLLED_BACK'))];
}

/** A release on its way out: stable side back, traffic back, new side stopped, hook, status. */
function ending(ctx: Context): Action[] | null {
  const { d, app, obs, now } = ctx;
  const end = d.ending;
  if (end === null || isFinal(d.status)) return null;
  const instances = app.spec.instances;
  const stable = stableSide(d, app);
  if (stable !== null) {
    const seen = sideOf(obs, stable.service);
    if (!seen.exists || seen.desired < instances || seen.status === 'STOPPED') {
      return [{ kind: 'startSide', side: stable, instances }];
    }
  }
  if (d.resources.canary.traffic > 0) {
    const resources =
      d.resources.stable === null
        ? d.resources
        : { ...d.resources, stable: { ...d.resources.stable, instances } };
    return [save(log(announceTraffic({ ...d, resources }, 0, now), now, 'Traffic back'))];
  }
  const canary = d.resources.canary.service;
  if (sideOf(obs, canary).exists) return [{ kind: 'stopSide', service: canary }];
  const hook = app.spec.hooks.rollback;
  if (hook !== null) {
    const run = hookOutcome(ctx, 'rollback', hook);
    if ('actions' in run) return run.actions;
  }
  const stopped = {
    ...d,
    resources: {
      ...d.resources,
      canary: { ...d.resources.canary, state: 'stopped' as const, ready: 0 },
    },
  };
  return [save(failRelease(stopped, now, end.reason, end.outcome))];
}

/** Housekeeping of the app around the release: warm versions whose time is up, or in the way. */
function housekeeping(ctx: Context): Action[] | null {
  const { d, app, obs, now } = ctx;
  const previous = app.previous;
  if (previous === null) return null;
  // Releasing the warm version again: it goes first (its service has the same name).
  const reReleased = d.status === 'PENDING' && previous.version === d.version;
  const expired = Date.parse(previous.warmUntil) <= now && d.requested?.action !== 'rollback';
  if (!reReleased && !expired) return null;
  if (sideOf(obs, previous.service).exists) {
    return [{ kind: 'stopSide', service: previous.service }];
  }
  return [{ kind: 'saveApp', app: { ...app, previous: null } }];
}

/** The running release's next move: begin, follow its step, or hold while paused. */
function progress(ctx: Context): Action[] {
  const { d, obs, now } = ctx;
  if (isFinal(d.status)) return [];
  const fresh = refreshSides(d, obs);
  if (d.status === 'PENDING') return [save(beginStep(fresh, 0, now))];
  const step = currentStep(fresh);
  const actions =
    d.status === 'RUNNING' && step !== undefined ? stepActions({ ...ctx, d: fresh }, step) : [];
  return actions.length === 0 && fresh !== d ? [save(fresh)] : actions;
}

/**
 * What a release needs next, from its record, what the server observed and the time: plain
 * data in, plain data out, no clock read and no I/O. The server carries the actions out in
 * order, then observes and decides again until nothing is left to do; every action is
 * idempotent or recorded first, so a server killed between two of them and started again picks
 * up from what it then observes. An empty answer means: wait (for time to pass, a person, a
 * version to become ready).
 *
 * In order: a release whose app is gone fails; a person's pause, resume or promote is applied;
 * then (once the router answers) the router is brought to the record's weights; an abort or a
 * rollback is carried out; a release on its way out finishes ending; a warm version whose time
 * is up is retired; and a running release follows its current step.
 */
export function decide(d: Deployment, obs: Observations, now: number): Action[] {
  const app = obs.app;
  if (app === null) return appGone(d, obs, now);
  const asked = recordRequest(d, now);
  if (asked !== null) return asked;
  if (obs.router.table === null) return [];
  const ctx: Context = { d, app, obs, now };
  const routed = routing(ctx);
  if (routed !== null) return routed;
  const ask = d.requested;
  if (ask?.action === 'abort') {
    return [
      save(beginEnding({ ...d, requested: null }, now, `aborted by ${ask.by}`, 'ROLLED_BACK')),
    ];
  }
  if (ask?.action === 'rollback') return rollbackAfterCompletion(ctx, ask);
  return ending(ctx) ?? housekeeping(ctx) ?? progress(ctx);
}
