import {
  beginStep,
  completeStep,
  currentStep,
  failRelease,
  isFinal,
  logDeployment,
  skipStep,
  trafficApplied,
  waitForPerson,
  type Deployment,
  type HookSpec,
  type SideResource,
} from '@codedance/core';
import type { ServiceSupervisor } from '../services/index.js';
import { appKey, type AppRecord } from './book.js';
import { canarySide, type ReconcilerDeps } from './deps.js';
import type { RouterHandle } from './fleet.js';
import { runHook } from './hooks.js';
import { analysisLook, sampleMetrics } from './look.js';
import { finishRequested, promoteApp, rollBack } from './rollback.js';
import { ensureSide, routeTable, sideState, tableFor, whyBroken } from './sides.js';
import { shiftTraffic } from './traffic.js';

/** Looks a step may run past its pause while the analysis is inconclusive, before it waits for a person. */
const OVERTIME_LOOKS = 3;

/** Steps one release may go through in one pass (instant steps chain without waiting a tick). */
const MAX_STEPS_PER_PASS = 8;

type Outcome = { d: Deployment; moved: boolean };

/**
 * Carries out what a release's current step asks for, one pass at a time: reads the world
 * (the supervisor, the router), acts idempotently, and saves the record after every change.
 */
export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  private get supervisor(): ServiceSupervisor {
    return this.deps.services();
  }

  async run(start: Deployment, onSaved: (d: Deployment) => void): Promise<Deployment> {
    let d = start;
    const save = async (next: Deployment): Promise<Deployment> => {
      if (next === d) return d;
      d = await this.deps.book.save(next);
      onSaved(d);
      return d;
    };
    const record = await this.deps.book.findApp(d.environment, d.app);
    if (record === null) {
      return save(failRelease(d, this.deps.clock(), 'the app was deleted', 'FAILED'));
    }
    const router = await this.deps.fleet.ensure(appKey(d.environment, d.app), record.spec.port);
    if (d.trafficChange !== null) {
      // A change announced by a pass that did not live to confirm it: the router gets it now.
      await router.client.setRoutes(tableFor(record, d, this.deps.host));
      await save(trafficApplied(d));
    }
    if (d.requested !== null)
      return save(await finishRequested(this.deps, d, record, router, save));
    if (d.status === 'COMPLETED' || d.status === 'FAILED' || d.status === 'ROLLED_BACK') return d;
    await save(this.refreshSides(d));
    if (d.status === 'PAUSED') return d;
    if (d.status === 'PENDING') await save(beginStep(d, 0, this.deps.clock()));
    for (let i = 0; i < MAX_STEPS_PER_PASS && d.status === 'RUNNING'; i += 1) {
      const { d: next, moved } = await this.step(d, record, router, save);
      await save(next);
      if (!moved) break;
    }
    return d;
  }

  /** The record's view of both sides, from the supervisor. */
  private refreshSides(d: Deployment): Deployment {
    const { stable, canary } = d.resources;
    const fresh = (side: SideResource): SideResource => {
      const now = sideState(this.supervisor, side);
      return now.ready === side.ready &&
        now.state === side.state &&
        now.instances === side.instances
        ? side
        : { ...side, ...now };
    };
    const nextCanary = canary.state === 'pending' ? canary : fresh(canary);
    const nextStable = stable === null ? null : fresh(stable);
    if (nextCanary === canary && nextStable === stable) return d;
    return { ...d, resources: { stable: nextStable, canary: nextCanary } };
  }

  private async step(
    d: Deployment,
    record: AppRecord,
    router: RouterHandle,
    save: (d: Deployment) => Promise<Deployment>,
  ): Promise<Outcome> {
    const now = this.deps.clock();
    const step = currentStep(d);
    const app = record.spec;
    if (step === undefined) return { d, moved: false };
    const index = d.progress.currentStepIndex;
    const last = index === d.progress.steps.length - 1;
    // Steps that work on their own copy of the record hand it in, so nothing they did is lost.
    const finish = async (detail: string, current: Deployment = d): Promise<Outcome> => {
      if (last) await promoteApp(this.deps, current, record, router);
      return {
        d: completeStep(current, this.deps.clock(), detail, app.keepPreviousMs),
        moved: true,
      };
    };
    switch (step.kind) {
      case 'check': {
        if (app.hooks.preRollout !== null) {
          const outcome = await this.hookOnce(d, 'preRollout', app.hooks.preRollout, save);
          d = outcome.d;
          if (outcome.ok === null) return { d, moved: false };
          if (!outcome.ok) {
            return {
              d: failRelease(d, now, `pre-rollout hook failed: ${outcome.detail}`, 'FAILED'),
              moved: false,
            };
          }
          return finish(`pre-rollout hook passed: ${outcome.detail}`);
        }
        const stable = d.resources.stable;
        const health = await router.client.health().catch(() => null);
        if (health === null)
          return { d: failRelease(d, now, 'the router does not answer', 'FAILED'), moved: false };
        if (stable !== null && stable.ready < stable.instances) {
          return {
            d: failRelease(
              d,
              now,
              `${stable.version} has ${stable.ready}/${stable.instances} instances ready; fix it before releasing`,
              'FAILED',
            ),
            moved: false,
          };
        }
        return finish(
          `router answers (pid ${health.pid}); ${stable === null ? 'no previous version' : `${stable.version} ${stable.ready}/${stable.instances} ready`}`,
        );
      }
      case 'start':
      case 'health': {
        const side = canarySide(d);
        const view =
          step.kind === 'start'
            ? await ensureSide(this.supervisor, app, side, app.instances)
            : this.supervisor.view(side.service);
        d = {
          ...d,
          resources: {
            ...d.resources,
            canary: { ...d.resources.canary, ...sideState(this.supervisor, side) },
          },
        };
        if (view.status === 'ONLINE' && view.ready === view.desired) {
          if (step.kind === 'start' && d.resources.stable !== null) {
            // In the table at weight 0: `x-canary: always` reaches it before any traffic does.
            await router.client.setRoutes(
              routeTable(
                record,
                { stable: d.resources.stable, canary: d.resources.canary },
                0,
                this.deps.host,
              ),
            );
          }
          return finish(`${view.ready}/${view.desired} instances of ${d.version} ready`);
        }
        const started = Date.parse(step.startTime ?? new Date(now).toISOString());
        const broken = view.status === 'CRASHLOOP' || view.status === 'ERRORED';
        if (broken || now - started > app.readinessTimeoutMs + 5000 || step.kind === 'health') {
          const why = broken
            ? `${d.version} ${whyBroken(await this.supervisor.get(side.service))}`
            : `${d.version} has ${view.ready}/${view.desired} instances ready after ${Math.round((now - started) / 1000)} s`;
          return {
            d: await rollBack(this.deps, d, record, router, save, why, 'FAILED'),
            moved: false,
          };
        }
        return { d, moved: false };
      }
      case 'test': {
        if (app.hooks.test === null) return { d: skipStep(d, now, 'no test hook'), moved: true };
        const outcome = await this.hookOnce(d, 'test', app.hooks.test, save);
        d = outcome.d;
        if (outcome.ok === null) return { d, moved: false };
        if (!outcome.ok) {
          return {
            d: await rollBack(
              this.deps,
              d,
              record,
              router,
              save,
              `test hook failed: ${outcome.detail}`,
              'FAILED',
            ),
            moved: false,
          };
        }
        return finish(`test hook passed: ${outcome.detail}`);
      }
      case 'gate':
        return this.waitStep(d, now, 'waiting for confirmation to promote', finish);
      case 'traffic':
      case 'observe':
      case 'batch':
        return this.trafficStep(d, record, router, save, finish);
      case 'retire': {
        const previous = d.previousVersion;
        if (app.hooks.postRollout !== null) {
          const outcome = await this.hookOnce(d, 'postRollout', app.hooks.postRollout, save);
          d = outcome.d;
          if (outcome.ok === null) return { d, moved: false };
          if (!outcome.ok) d = logDeployment(d, now, `post-rollout hook failed: ${outcome.detail}`);
        }
        const until = new Date(now + app.keepPreviousMs).toISOString();
        return finish(`${previous ?? 'nothing'} kept warm until ${until}, then stopped`);
      }
    }
  }

  /** A step that waits for a person: the first pass pauses, resume completes it. */
  private waitStep(
    d: Deployment,
    now: number,
    reason: string,
    finish: (detail: string, current: Deployment) => Promise<Outcome>,
  ): Promise<Outcome> | Outcome {
    const state = d.stepState;
    if (state?.confirmed === true) return finish('confirmed', d);
    const fresh = { since: now, lastLook: null, failures: 0, errorTest: null, waiting: false };
    const marked = { ...d, stepState: { ...fresh, ...state, since: state?.since ?? now } };
    return { d: waitForPerson(marked, now, reason), moved: false };
  }

  private async trafficStep(
    d: Deployment,
    record: AppRecord,
    router: RouterHandle,
    save: (d: Deployment) => Promise<Deployment>,
    finish: (detail: string, current: Deployment) => Promise<Outcome>,
  ): Promise<Outcome> {
    const app = record.spec;
    const step = currentStep(d);
    if (step === undefined) return { d, moved: false };
    const weight = step.weight ?? 100;
    let state = d.stepState ?? {
      since: null,
      lastLook: null,
      failures: 0,
      errorTest: null,
      waiting: false,
    };
    if (state.since === null) {
      const batch = step.kind === 'batch' ? step.instances : undefined;
      if (batch !== undefined) {
        const grown = await this.growBatch(d, record, router, batch, save);
        if (!grown.ready || isFinal(grown.d.status)) return { d: grown.d, moved: false };
        d = grown.d;
      }
      const since = this.deps.clock();
      d = await shiftTraffic(
        d,
        weight,
        (announced) => tableFor(record, announced, this.deps.host),
        router,
        save,
        since,
        (announced) =>
          logDeployment(
            { ...announced, stepState: { ...state, since } },
            since,
            `Traffic: ${weight}% to ${d.version}`,
          ),
      );
      state = d.stepState ?? { ...state, since };
      if (batch !== undefined) await this.shrinkStable(d, batch.stable);
      if (app.hooks.step !== null) {
        const outcome = await this.hookOnce(d, 'step', app.hooks.step, save);
        d = outcome.d;
        if (outcome.ok === false) {
          return {
            d: await rollBack(
              this.deps,
              d,
              record,
              router,
              save,
              `step hook failed: ${outcome.detail}`,
            ),
            moved: false,
          };
        }
      }
    }
    const now = this.deps.clock();
    const since = state.since ?? now;
    const pauseMs =
      step.pauseSeconds === null || step.pauseSeconds === undefined
        ? null
        : step.pauseSeconds * 1000;
    d = await sampleMetrics(d, router, now);
    if (step.analysis === true) {
      const due = now - (state.lastLook ?? since) >= app.analysis.intervalMs;
      const ending = pauseMs !== null && now - since >= pauseMs && state.lastLook === null;
      if (due || ending) {
        const look = await analysisLook(this.deps, d, record, router, since, now);
        d = look.d;
        state = d.stepState ?? state;
        if (look.verdict === 'fail') {
          if (app.autoRollback)
            return {
              d: await rollBack(
                this.deps,
                d,
                record,
                router,
                save,
                look.reason ?? 'analysis failed',
              ),
              moved: false,
            };
          return {
            d: waitForPerson(
              d,
              now,
              `analysis failed: ${look.reason ?? ''}; automatic rollback is off`,
            ),
            moved: false,
          };
        }
      }
    }
    if (pauseMs === null) {
      return this.waitStep(d, now, `waiting for promotion at ${weight}%`, finish);
    }
    if (now - since < pauseMs) return { d, moved: false };
    if (step.analysis === true) {
      const latest = d.analysis.findLast((a) => a.step === d.progress.currentStepIndex);
      if ((latest === undefined || latest.verdict !== 'pass') && state.confirmed === true) {
        return finish(`held ${weight}%; continued by a person with the analysis inconclusive`, d);
      }
      // The judge gets a few more looks to make up its mind before a person is asked.
      const overtime = now - since - pauseMs;
      if (
        (latest === undefined || latest.verdict !== 'pass') &&
        overtime < OVERTIME_LOOKS * app.analysis.intervalMs
      ) {
        return { d, moved: false };
      }
      if (latest === undefined || latest.verdict !== 'pass') {
        const why = latest?.reason ?? 'no analysis yet';
        return {
          d: waitForPerson(d, now, `analysis inconclusive at ${weight}%: ${why}`),
          moved: false,
        };
      }
    }
    return finish(
      step.analysis === true
        ? `held ${weight}% for ${Math.round((now - since) / 1000)} s; analysis passed`
        : `${weight}% to ${d.version}`,
      d,
    );
  }

  /** Rolling: grow the new side to the batch's size and wait until it is ready. */
  private async growBatch(
    d: Deployment,
    record: AppRecord,
    router: RouterHandle,
    target: { canary: number; stable: number },
    save: (d: Deployment) => Promise<Deployment>,
  ): Promise<{ d: Deployment; ready: boolean }> {
    const now = this.deps.clock();
    const step = currentStep(d);
    if (step === undefined) return { d, ready: false };
    const side = canarySide(d);
    const view = await ensureSide(
      this.supervisor,
      record.spec,
      { ...side, instances: target.canary },
      target.canary,
    );
    const canary = { ...d.resources.canary, ...sideState(this.supervisor, side), port: side.port };
    const next = { ...d, resources: { ...d.resources, canary } };
    if (view.status === 'ONLINE' && view.ready === target.canary) return { d: next, ready: true };
    const started = Date.parse(step.startTime ?? new Date(now).toISOString());
    const broken = view.status === 'CRASHLOOP' || view.status === 'ERRORED';
    if (broken || now - started > record.spec.readinessTimeoutMs + 5000) {
      return {
        d: await rollBack(
          this.deps,
          d,
          record,
          router,
          save,
          broken
            ? `${d.version} ${whyBroken(await this.supervisor.get(side.service))}`
            : `${d.version} did not become ready (${view.ready}/${target.canary} ready, ${view.status})`,
        ),
        ready: false,
      };
    }
    return { d: next, ready: false };
  }

  /** Rolling: once traffic moved, the old side keeps only the instances the batch leaves it. */
  private async shrinkStable(d: Deployment, target: number): Promise<void> {
    const stable = d.resources.stable;
    if (stable === null || target === 0 || !this.supervisor.has(stable.service)) return;
    if (this.supervisor.view(stable.service).desired > target)
      await this.supervisor.scale(stable.service, target);
  }

  /**
   * Runs a hook at most once per step: the run is recorded before it starts, so a hook that
   * was running when the controller died is reported as interrupted, never run twice.
   */
  private async hookOnce(
    d: Deployment,
    hook: string,
    spec: HookSpec,
    save: (d: Deployment) => Promise<Deployment>,
  ): Promise<{ d: Deployment; ok: boolean | null; detail: string }> {
    const step = d.progress.currentStepIndex;
    const known = d.hooks.find((h) => h.hook === hook && h.step === step);
    if (known !== undefined) {
      if (known.endedAt !== null) return { d, ok: known.ok, detail: known.detail };
      const detail = 'interrupted by a restart of Codedance; not run again';
      const ended = {
        ...d,
        hooks: d.hooks.map((h) =>
          h === known
            ? { ...h, endedAt: new Date(this.deps.clock()).toISOString(), ok: false, detail }
            : h,
        ),
      };
      return { d: ended, ok: false, detail };
    }
    const startedAt = new Date(this.deps.clock()).toISOString();
    let current = await save({
      ...d,
      hooks: [...d.hooks, { hook, step, startedAt, endedAt: null, ok: null, detail: 'running' }],
    });
    const outcome = await runHook(spec, current, hook, this.deps.env);
    current = {
      ...current,
      hooks: current.hooks.map((h) =>
        h.hook === hook && h.step === step
          ? {
              ...h,
              endedAt: new Date(this.deps.clock()).toISOString(),
              ok: outcome.ok,
              detail: outcome.detail,
            }
          : h,
      ),
    };
    current = logDeployment(
      current,
      this.deps.clock(),
      `${hook} hook ${outcome.ok ? 'passed' : 'failed'}: ${outcome.detail}`,
    );
    return { d: current, ok: outcome.ok, detail: outcome.detail };
  }
}
