import { announceTraffic, log, waitForPerson } from '../machine.js';
import type { Deployment, DeploymentStep } from '../record.js';
import {
  broken,
  brokenWhy,
  canarySide,
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
import {
  TREND_EVERY_MS,
  addTrend,
  freshStepState,
  lastTrendPoint,
  recentFrom,
  takeLook,
} from './look.js';
import type { Action } from './world.js';

/** Looks a step may run past its pause while the analysis is inconclusive, before a person is asked. */
export const OVERTIME_LOOKS = 3;

/**
 * Rolling, before a batch moves traffic: the new side grows to the batch's size and every
 * instance is ready. Null once it is; otherwise what to do meanwhile.
 */
function growBatch(ctx: Context, target: { canary: number; stable: number }): Action[] | null {
  const { d, obs } = ctx;
  const seen = sideOf(obs, d.resources.canary.service);
  if (ready(seen, target.canary)) return null;
  if (broken(seen)) return fail(ctx, brokenWhy(d.version, seen), 'ROLLED_BACK');
  const step = d.progress.steps[d.progress.currentStepIndex];
  if (step !== undefined && outOfTime(ctx, step)) {
    const status = seen.status ?? 'not started';
    return fail(
      ctx,
      `${d.version} did not become ready (${seen.ready}/${target.canary} ready, ${status})`,
      'ROLLED_BACK',
    );
  }
  if (!seen.exists || seen.desired !== target.canary || seen.status === 'STOPPED') {
    return [{ kind: 'startSide', side: canarySide(d), instances: target.canary }];
  }
  return [];
}

/** Saves `record` when this decision changed it and has nothing else to do. */
function keep(ctx: Context, record: Deployment): Action[] {
  return record === ctx.d ? [] : [save(record)];
}

/**
 * A step that sets a weight (`traffic`, `observe`, rolling `batch`), then holds it for its pause
 * while the analysis looks every interval. A failed look rolls back (or waits for a person when
 * automatic rollback is off); a pause that ends without a passing look gets a few more looks,
 * then waits for a person; a pause without a duration waits for promote.
 */
export function trafficStep(ctx: Context, step: DeploymentStep): Action[] {
  const { d, app, obs, now } = ctx;
  const settings = app.spec.analysis;
  const weight = step.weight ?? 100;
  const state = d.stepState ?? freshStepState();
  const batch = step.kind === 'batch' ? step.instances : undefined;

  if (state.since === null) {
    if (batch !== undefined) {
      const growing = growBatch(ctx, batch);
      if (growing !== null) return growing;
    }
    const moved = announceTraffic({ ...d, stepState: { ...state, since: now } }, weight, now);
    return [save(log(moved, now, `Traffic: ${weight}% to ${d.version}`))];
  }
  // The router confirms the weight before anything else happens at it.
  if (d.trafficChange !== null) return [];
  const since = state.since;

  if (batch !== undefined && d.resources.stable !== null && batch.stable > 0) {
    const seen = sideOf(obs, d.resources.stable.service);
    if (seen.exists && seen.desired > batch.stable) {
      return [{ kind: 'scaleSide', service: d.resources.stable.service, instances: batch.stable }];
    }
  }
  const hook = app.spec.hooks.step;
  if (hook !== null) {
    const run = hookOutcome(ctx, 'step', hook);
    if ('actions' in run) return run.actions;
    if (!run.ok) return fail(ctx, `step hook failed: ${run.detail}`, 'ROLLED_BACK');
  }

  const pauseMs =
    step.pauseSeconds === null || step.pauseSeconds === undefined ? null : step.pauseSeconds * 1000;
  const lastPoint = lastTrendPoint(d);
  const lookDue =
    step.analysis === true &&
    (now - (state.lastLook ?? since) >= settings.intervalMs ||
      (pauseMs !== null && now - since >= pauseMs && state.lastLook === null));
  // Every look also adds a trend point: a release that ends at its first looks still has
  // the new version's line, up to the moment it was judged.
  const trendDue = lookDue || lastPoint === null || now - lastPoint >= TREND_EVERY_MS;
  const measured = obs.measured;
  if (trendDue && measured === null) {
    const from = recentFrom(since, now, settings);
    return [
      {
        kind: 'measure',
        at: now,
        versions: [d.version, ...(d.resources.stable === null ? [] : [d.resources.stable.version])],
        step: lookDue ? [since, now] : null,
        recent: lookDue && from > since ? [from, now] : null,
        trend: [now - TREND_EVERY_MS, now],
      },
    ];
  }

  let record = d;
  if (measured !== null && measured.trend !== null) {
    record = addTrend(record, measured.at, measured.trend);
  }
  if (measured !== null && measured.step !== null) {
    const look = takeLook(record, settings, measured.at, measured.step, measured.recent);
    record = look.d;
    if (look.verdict === 'fail') {
      const why = look.reason ?? 'analysis failed';
      if (app.spec.autoRollback) return fail(ctx, why, 'ROLLED_BACK', record);
      return [
        save(waitForPerson(record, now, `analysis failed: ${why}; automatic rollback is off`)),
      ];
    }
    if (look.pause !== null) {
      // Both versions fail alike: neither is blamed, a person decides (resume or promote goes
      // on, abort goes back).
      return [save(waitForPerson(record, now, `analysis paused at ${weight}%: ${look.pause}`))];
    }
  }

  if (pauseMs === null) return waitStep(ctx, `waiting for promotion at ${weight}%`, record);
  if (now - since < pauseMs) return keep(ctx, record);
  if (step.analysis === true) {
    const index = d.progress.currentStepIndex;
    const latest = record.analysis.findLast((a) => a.step === index);
    if (latest === undefined || latest.verdict !== 'pass') {
      if (record.stepState?.confirmed === true) {
        return finish(
          ctx,
          `held ${weight}%; continued by a person with the analysis inconclusive`,
          record,
        );
      }
      // The judge gets a few more looks to make up its mind before a person is asked.
      if (now - since - pauseMs < OVERTIME_LOOKS * settings.intervalMs) return keep(ctx, record);
      const why = latest?.reason ?? 'no analysis yet';
      return [save(waitForPerson(record, now, `analysis inconclusive at ${weight}%: ${why}`))];
    }
  }
  return finish(
    ctx,
    step.analysis === true
      ? `held ${weight}% for ${Math.round((now - since) / 1000)} s; analysis passed`
      : `${weight}% to ${d.version}`,
    record,
  );
}
