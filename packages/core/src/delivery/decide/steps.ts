import { skipStep } from '../machine.js';
import type { DeploymentStep } from '../record.js';
import {
  broken,
  brokenWhy,
  canarySide,
  elapsed,
  fail,
  finish,
  hookOutcome,
  outOfTime,
  ready,
  save,
  sideOf,
  waitStep,
  type Context,
} from './context.js';
import { trafficStep } from './traffic.js';
import type { Action } from './world.js';

/** Pre-rollout: the hook, or (blue-green) a look at the stable side and the router. */
function check(ctx: Context): Action[] {
  const { d, app, obs } = ctx;
  const hook = app.spec.hooks.preRollout;
  if (hook !== null) {
    const run = hookOutcome(ctx, 'preRollout', hook);
    if ('actions' in run) return run.actions;
    if (!run.ok) return fail(ctx, `pre-rollout hook failed: ${run.detail}`, 'FAILED');
    return finish(ctx, `pre-rollout hook passed: ${run.detail}`);
  }
  const stable = d.resources.stable;
  if (stable !== null) {
    const seen = sideOf(obs, stable.service);
    if (seen.ready < stable.instances) {
      return fail(
        ctx,
        `${stable.version} has ${seen.ready}/${stable.instances} instances ready; fix it before releasing`,
        'FAILED',
      );
    }
  }
  const pid = obs.router.servedBy === null ? '' : ` (${obs.router.servedBy})`;
  const side =
    stable === null
      ? 'no previous version'
      : `${stable.version} ${stable.ready}/${stable.instances} ready`;
  return finish(ctx, `router answers${pid}; ${side}`);
}

/** Starts the new version (`start`) or checks it again (`health`): every instance ready. */
function startOrHealth(ctx: Context, step: DeploymentStep): Action[] {
  const { d, app, obs } = ctx;
  const instances = app.spec.instances;
  const seen = sideOf(obs, d.resources.canary.service);
  if (ready(seen, instances)) {
    return finish(ctx, `${instances}/${instances} instances of ${d.version} ready`);
  }
  if (step.kind === 'start' && broken(seen)) {
    return fail(ctx, brokenWhy(d.version, seen), 'FAILED');
  }
  if (step.kind === 'health') {
    const why = broken(seen)
      ? brokenWhy(d.version, seen)
      : `${d.version} has ${seen.ready}/${instances} instances ready`;
    return fail(ctx, why, 'FAILED');
  }
  if (outOfTime(ctx, step)) {
    const seconds = Math.round(elapsed(ctx, step) / 1000);
    return fail(
      ctx,
      `${d.version} has ${seen.ready}/${instances} instances ready after ${seconds} s`,
      'FAILED',
    );
  }
  if (!seen.exists || seen.desired !== instances || seen.status === 'STOPPED') {
    return [{ kind: 'startSide', side: canarySide(d), instances }];
  }
  return [];
}

/** The test hook; a release without one skips the step. */
function test(ctx: Context): Action[] {
  const hook = ctx.app.spec.hooks.test;
  if (hook === null) return [save(skipStep(ctx.d, ctx.now, 'no test hook'))];
  const run = hookOutcome(ctx, 'test', hook);
  if ('actions' in run) return run.actions;
  if (!run.ok) return fail(ctx, `test hook failed: ${run.detail}`, 'FAILED');
  return finish(ctx, `test hook passed: ${run.detail}`);
}

/** The end: the post-rollout hook (its failure is only reported), then the old version is kept warm. */
function retire(ctx: Context): Action[] {
  const { d, app, now } = ctx;
  const hook = app.spec.hooks.postRollout;
  if (hook !== null) {
    const run = hookOutcome(ctx, 'postRollout', hook);
    if ('actions' in run) return run.actions;
  }
  // The version kept warm so far is replaced by the one this release retires: it goes now, or
  // it would run on, forgotten, with nothing left to stop it.
  const superseded = app.previous;
  if (
    superseded !== null &&
    superseded.deployment !== d.id &&
    superseded.service !== app.stable?.service &&
    superseded.service !== d.resources.canary.service &&
    sideOf(ctx.obs, superseded.service).exists
  ) {
    return [{ kind: 'stopSide', service: superseded.service }];
  }
  const until = new Date(now + app.spec.keepPreviousMs).toISOString();
  return finish(ctx, `${d.previousVersion ?? 'nothing'} kept warm until ${until}, then stopped`);
}

/** What the running step asks for next. */
export function stepActions(ctx: Context, step: DeploymentStep): Action[] {
  switch (step.kind) {
    case 'check':
      return check(ctx);
    case 'start':
    case 'health':
      return startOrHealth(ctx, step);
    case 'test':
      return test(ctx);
    case 'gate':
      return waitStep(ctx, 'waiting for confirmation to promote');
    case 'traffic':
    case 'observe':
    case 'batch':
      return trafficStep(ctx, step);
    case 'retire':
      return retire(ctx);
  }
}
