import { describe, expect, it } from 'vitest';
import { isFinal, type Deployment } from '../record.js';
import type { DeploymentType } from '../manifest.js';
import { refusal } from '../machine.js';
import { FAULTY, HEALTHY, T0, World, kinds } from '../test-support/world.js';
import type { Action } from './world.js';

/*
 * `decide` for every strategy and situation, each with its clock: a world in memory carries out
 * what `decide` asks for (test-support/world.ts), and the test moves the time.
 */

const ENDED = (d: Deployment) => isFinal(d.status);

interface Traits {
  type: DeploymentType;
  /** The steps of a release of v2 over v1 with the test app. */
  steps: string[];
  /** The first step that sets a weight, and that weight. */
  firstTraffic: string;
  firstWeight: number;
  /** Whether that step is analysed. */
  analysed: boolean;
  /** How long it holds its weight, in ms. */
  pauseMs: number;
  /**
   * Brings a release to a point where it is held half-way, for a person to act on: at its first
   * weight, or (all at once, whose full traffic holds nothing) while the new version starts.
   */
  hold: (w: World) => void;
  /** Lets a held release go on. */
  unhold: (w: World) => void;
}

const atFirstTraffic = (name: string) => ({
  hold: (w: World) => w.runToStep(name),
  unhold: () => undefined,
});

const STRATEGIES: Traits[] = [
  {
    type: 'CANARY',
    steps: ['Start v2', 'Traffic 20%', 'Traffic 50%', 'Full traffic', 'Retire v1'],
    firstTraffic: 'Traffic 20%',
    firstWeight: 20,
    analysed: true,
    pauseMs: 10_000,
    ...atFirstTraffic('Traffic 20%'),
  },
  {
    type: 'BLUE_GREEN',
    steps: [
      'Pre-deploy check',
      'Start green (v2)',
      'Health check',
      'Test',
      'Switch 50%',
      'Switch 100%',
      'Observe',
      'Retire v1',
    ],
    firstTraffic: 'Switch 50%',
    firstWeight: 50,
    analysed: true,
    pauseMs: 2000,
    ...atFirstTraffic('Switch 50%'),
  },
  {
    type: 'ROLLING',
    steps: ['Batch 1 of 2', 'Batch 2 of 2', 'Retire v1'],
    firstTraffic: 'Batch 1 of 2',
    firstWeight: 50,
    analysed: true,
    pauseMs: 10_000,
    ...atFirstTraffic('Batch 1 of 2'),
  },
  {
    type: 'ALL_AT_ONCE',
    steps: ['Start v2', 'Full traffic', 'Retire v1'],
    firstTraffic: 'Full traffic',
    firstWeight: 100,
    analysed: false,
    pauseMs: 0,
    hold: (w) => {
      w.behaviour.v2 = 'slow';
      w.settle();
    },
    unhold: (w) => {
      const side = w.sides.get('prod.shop.v2');
      if (side !== undefined) side.behaviour = 'healthy';
      w.behaviour.v2 = 'healthy';
    },
  },
];

const ofKind = <K extends Action['kind']>(actions: Action[], kind: K) =>
  actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);

function current(d: Deployment) {
  return d.progress.steps[d.progress.currentStepIndex];
}

describe.each(STRATEGIES)('decide, $type', (t) => {
  it('step begins: a PENDING release starts its first step, stamped with the clock', () => {
    const w = new World(t.type);
    expect(w.d.progress.steps.map((s) => s.name)).toEqual(t.steps);
    w.now = T0 + 1234;
    const first = w.round();
    expect(kinds(first)).toEqual(['save']);
    expect(w.d.status).toBe('RUNNING');
    expect(current(w.d)).toMatchObject({
      name: t.steps[0],
      status: 'RUNNING',
      startTime: new Date(T0 + 1234).toISOString(),
    });
  });

  it('starts the new version once, and waits for it without asking again', () => {
    const w = new World(t.type);
    w.behaviour.v2 = 'slow';
    const actions = w.settle();
    const starts = ofKind(actions, 'startSide');
    expect(starts).toHaveLength(1);
    expect(starts[0]).toMatchObject({
      side: { version: 'v2', service: 'prod.shop.v2', port: 21_000 },
      // Rolling grows the new side batch by batch.
      instances: t.type === 'ROLLING' ? 1 : 2,
    });
    expect(w.advance(1000)).toEqual([]);
    expect(w.served()).toEqual({ v1: 100 });
  });

  it('moves traffic: announced in the record, set in the router, then confirmed', () => {
    const w = new World(t.type);
    w.runUntil(ENDED);
    const moves = w.done.map((x) => x.action);
    const announce = moves.findIndex(
      (a) => a.kind === 'save' && a.record.trafficChange?.to.v2 === t.firstWeight,
    );
    expect(announce).toBeGreaterThanOrEqual(0);
    const expected: Record<string, number> = { v2: t.firstWeight };
    if (t.firstWeight < 100) expected.v1 = 100 - t.firstWeight;
    expect(moves[announce]).toMatchObject({
      record: {
        trafficChange: { from: { v1: 100 }, to: expected },
        canary: { currentWeight: t.firstWeight },
      },
    });
    const set = moves[announce + 1];
    expect(set?.kind).toBe('setTable');
    if (set?.kind === 'setTable') {
      const weights = Object.fromEntries(
        set.table.versions.filter((v) => v.weight > 0).map((v) => [v.version, v.weight]),
      );
      expect(weights).toEqual(expected);
    }
    expect(moves[announce + 2]).toMatchObject({ kind: 'save', record: { trafficChange: null } });
  });

  it('pause elapses: each step holds its weight for its pause, then the next one begins', () => {
    const w = new World(t.type);
    w.runUntil(ENDED);
    const steps = w.d.progress.steps.filter((s) => s.weight !== undefined);
    expect(steps.map((s) => s.name)).toContain(t.firstTraffic);
    for (const step of steps) {
      const held = Date.parse(step.endTime ?? '') - Date.parse(step.startTime ?? '');
      expect(held, step.name).toBeGreaterThanOrEqual((step.pauseSeconds ?? 0) * 1000);
      // Released within a tick or a look of its time.
      expect(held, step.name).toBeLessThanOrEqual((step.pauseSeconds ?? 0) * 1000 + 2500);
    }
    const first = w.d.progress.steps.find((s) => s.name === t.firstTraffic);
    if (t.analysed) expect(first?.detail).toMatch(/analysis passed$/);
  });

  it('last step: the app takes the new version as stable, the old one stays warm, and it completes', () => {
    const w = new World(t.type);
    const actions = w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
    expect(w.d.progress.steps.every((s) => /COMPLETED|SKIPPED/.test(s.status))).toBe(true);
    const promoted = ofKind(actions, 'saveApp').at(-1);
    expect(promoted?.app.stable).toMatchObject({ version: 'v2', traffic: 100, instances: 2 });
    expect(promoted?.app.previous).toMatchObject({
      version: 'v1',
      state: 'warm',
      deployment: w.d.id,
    });
    // The app learns first; the record completes after.
    expect(kinds(actions).slice(-3)).toEqual(['saveApp', 'save', 'setTable']);
    expect(w.served()).toEqual({ v2: 100 });
    expect(w.table?.versions.map((v) => `${v.version}:${v.weight}`)).toEqual(['v2:100', 'v1:0']);
    expect(w.sides.has('prod.shop.v1')).toBe(true);
  });

  it('analysis pass: a look every interval while the weight holds, each saved with its evidence', () => {
    const w = new World(t.type);
    w.runUntil(ENDED);
    const index = w.d.progress.steps.findIndex((s) => s.name === t.firstTraffic);
    const looks = w.d.analysis.filter((a) => a.step === index);
    if (!t.analysed) {
      expect(looks).toEqual([]);
      return;
    }
    expect(looks.length).toBeGreaterThanOrEqual(1);
    expect(looks.at(-1)).toMatchObject({ verdict: 'pass', reason: null });
    expect(looks.at(-1)?.checks.map((c) => c.unit)).toEqual(['fraction', 'fraction', 'ms']);
    const times = looks.map((l) => Date.parse(l.time));
    for (let i = 1; i < times.length; i += 1) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(2000);
    }
  });

  it('analysis fail: traffic goes back, the new side stops, and the release is ROLLED_BACK', () => {
    const w = new World(t.type);
    w.health.v2 = FAULTY;
    w.runUntil(ENDED);
    if (!t.analysed) {
      expect(w.d.status).toBe('COMPLETED');
      return;
    }
    expect(w.d.status).toBe('ROLLED_BACK');
    expect(w.d.reason).toMatch(/success rate .* < 95 %.*\(failed 2 looks, limit 1\)/);
    expect(w.d.analysis.at(-1)?.verdict).toBe('fail');
    expect(w.served()).toEqual({ v1: 100 });
    expect(w.sides.has('prod.shop.v2')).toBe(false);
    expect(w.sides.get('prod.shop.v1')?.desired).toBe(2);
    expect(w.d.resources.canary).toMatchObject({ traffic: 0, state: 'stopped', ready: 0 });
    expect(w.d.ending).toBeNull();
    expect(w.app?.stable?.version).toBe('v1');
    // The failed step says why.
    expect(w.d.progress.steps.find((s) => s.status === 'FAILED')?.detail).toBe(w.d.reason);
    // Every look added a trend point: the new version's line reaches the failing look.
    const failedAt = w.d.analysis.at(-1)?.time;
    const newLine = w.d.metrics.successRate.filter((p) => p.version === 'v2');
    expect(newLine.length).toBeGreaterThanOrEqual(w.d.analysis.length);
    expect(newLine.at(-1)?.time).toBe(failedAt);
    expect(w.d.metrics.responseTime.some((p) => p.version === 'v2')).toBe(true);
    // The final window, as the metrics API gives it: the new version failing, the old one fine.
    expect(w.d.latestWindow?.to).toBe(failedAt);
    expect(w.d.latestWindow?.versions.v2?.errorRate).toBeGreaterThan(5);
    expect(w.d.latestWindow?.versions.v1?.successRate).toBeGreaterThan(99);
  });

  it('analysis fail without automatic rollback: the release waits for a person, traffic stays', () => {
    const w = new World(t.type, { autoRollback: false });
    w.health.v2 = FAULTY;
    w.runUntil((d) => d.status !== 'RUNNING' && d.status !== 'PENDING');
    if (!t.analysed) {
      expect(w.d.status).toBe('COMPLETED');
      return;
    }
    expect(w.d.status).toBe('PAUSED');
    expect(w.d.reason).toMatch(/^analysis failed: .*; automatic rollback is off$/);
    expect(w.served().v2).toBe(t.firstWeight);
    expect(w.advance(60_000)).toEqual([]);
  });

  it('analysis inconclusive: three more looks past the pause, then a person is asked; resume goes on', () => {
    const w = new World(t.type);
    w.health.v2 = { ...HEALTHY, rps: 1 };
    w.health.v1 = { ...HEALTHY, rps: 1 };
    w.runUntil((d) => d.status !== 'RUNNING' && d.status !== 'PENDING');
    if (!t.analysed) {
      expect(w.d.status).toBe('COMPLETED');
      return;
    }
    expect(w.d.status).toBe('PAUSED');
    expect(w.d.reason).toMatch(
      new RegExp(`^analysis inconclusive at ${t.firstWeight}%: only \\d+ requests?, fewer than`),
    );
    // The overtime: three looks' worth past the pause, never less.
    const since = w.d.stepState?.since ?? 0;
    expect(w.now - since).toBeGreaterThanOrEqual(t.pauseMs + 3 * 2000);
    expect(w.now - since).toBeLessThan(t.pauseMs + 4 * 2000 + 1000);
    const index = w.d.progress.currentStepIndex;
    w.ask('resume');
    w.settle();
    expect(w.d.progress.steps[index]).toMatchObject({
      status: 'COMPLETED',
      detail: `held ${t.firstWeight}%; continued by a person with the analysis inconclusive`,
    });
  });

  it('readiness timeout: a new version never ready fails the release after readinessTimeout + 5 s', () => {
    const w = new World(t.type);
    w.behaviour.v2 = 'slow';
    w.settle();
    const started = w.now;
    w.runUntil(ENDED);
    expect(w.now - started).toBeGreaterThan(35_000);
    expect(w.now - started).toBeLessThanOrEqual(36_000);
    if (t.type === 'ROLLING') {
      expect(w.d.status).toBe('ROLLED_BACK');
      expect(w.d.reason).toBe('v2 did not become ready (0/1 ready, STARTING)');
    } else {
      expect(w.d.status).toBe('FAILED');
      expect(w.d.reason).toMatch(/^v2 has 0\/2 instances ready after 3[56] s$/);
    }
    expect(w.served()).toEqual({ v1: 100 });
    expect(w.sides.has('prod.shop.v2')).toBe(false);
  });

  it('a new version that crashes fails the release at once, with the cause', () => {
    const w = new World(t.type);
    w.behaviour.v2 = 'crash';
    w.settle();
    expect(w.d.status).toBe(t.type === 'ROLLING' ? 'ROLLED_BACK' : 'FAILED');
    expect(w.d.reason).toBe('v2 exited with code 3 (5 restarts, CRASHLOOP)');
    expect(w.d.logs.at(-1)?.message).toMatch(/v2 exited with code 3/);
    expect(w.now).toBe(T0);
  });

  it('hooks: a failing step hook rolls back; a run cut short by a restart fails and is not run again', () => {
    const failing = new World(t.type, { hooks: { step: { command: ['./check'] } } });
    failing.hookOutcomes.step = { ok: false, detail: 'exit code 2' };
    failing.runUntil(ENDED);
    expect(failing.d.status).toBe('ROLLED_BACK');
    expect(failing.d.reason).toBe('step hook failed: exit code 2');
    expect(failing.d.hooks).toMatchObject([{ hook: 'step', ok: false, detail: 'exit code 2' }]);

    const cut = new World(t.type, { hooks: { step: { command: ['./check'] } } });
    // The controller dies while the step hook runs: the ledger has its start and no end.
    let started = false;
    while (!started) {
      started = cut.dieInHook('step');
      if (!started) cut.now += 500;
    }
    const index = cut.d.progress.currentStepIndex;
    expect(cut.d.hooks.at(-1)).toMatchObject({ hook: 'step', step: index, endedAt: null });
    const after = cut.runUntil(ENDED);
    expect(ofKind(after, 'runHook')).toEqual([]);
    expect(cut.d.status).toBe('ROLLED_BACK');
    expect(cut.d.reason).toBe(
      'step hook failed: interrupted by a restart of Codedance; not run again',
    );
  });

  it('hooks: a pre-rollout hook runs first; when it fails nothing is started', () => {
    const w = new World(t.type, { hooks: { preRollout: { command: ['./check'] } } });
    w.hookOutcomes.preRollout = { ok: false, detail: 'exit code 1' };
    const actions = w.runUntil(ENDED);
    expect(kinds(actions).filter((k) => k === 'startSide')).toEqual([]);
    expect(w.d.status).toBe('FAILED');
    expect(w.d.reason).toBe('pre-rollout hook failed: exit code 1');
    expect(w.served()).toEqual({ v1: 100 });

    const passing = new World(t.type, {
      hooks: { preRollout: { command: ['./check'] }, postRollout: { command: ['./done'] } },
    });
    const all = passing.runUntil(ENDED);
    expect(ofKind(all, 'runHook').map((h) => h.hook)).toEqual(['preRollout', 'postRollout']);
    expect(passing.d.status).toBe('COMPLETED');
  });

  it('person: pause holds weight, step and clock; resume carries on', () => {
    const w = new World(t.type);
    t.hold(w);
    const index = w.d.progress.currentStepIndex;
    const served = w.served();
    w.ask('pause');
    expect(kinds(w.settle())).toEqual(['save']);
    expect(w.d).toMatchObject({ status: 'PAUSED', reason: 'paused by ops-wang', requested: null });
    t.unhold(w);
    // Paused, the record only follows what the supervisor says of the sides.
    expect(kinds(w.advance(120_000)).filter((k) => k !== 'save')).toEqual([]);
    expect(w.d.status).toBe('PAUSED');
    expect(w.d.progress.currentStepIndex).toBe(index);
    expect(w.served()).toEqual(served);
    w.ask('resume');
    w.settle();
    expect(w.d.logs.some((l) => l.message === 'Resumed by ops-wang')).toBe(true);
    w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
  });

  it('person: promote skips what is left and goes to full traffic', () => {
    const w = new World(t.type);
    t.hold(w);
    w.ask('promote');
    w.settle();
    t.unhold(w);
    w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
    expect(w.d.logs.some((l) => l.message.startsWith('Promoted by ops-wang'))).toBe(true);
    expect(w.served()).toEqual({ v2: 100 });
  });

  it('person: abort sends traffic back at once and ends ROLLED_BACK', () => {
    const w = new World(t.type);
    t.hold(w);
    w.ask('abort');
    const actions = w.settle();
    expect(w.d).toMatchObject({
      status: 'ROLLED_BACK',
      reason: 'aborted by ops-wang',
      requested: null,
      ending: null,
    });
    expect(w.served()).toEqual({ v1: 100 });
    // Traffic leaves the new side before it stops.
    const k = kinds(actions);
    if (k.includes('setTable')) expect(k.indexOf('setTable')).toBeLessThan(k.indexOf('stopSide'));
    expect(k).toContain('stopSide');
    expect(w.sides.has('prod.shop.v2')).toBe(false);
    expect(refusal(w.d, 'abort')).toMatch(/already ended/);
  });

  it('person: retry is for a release that failed; a rollback for one that completed', () => {
    const w = new World(t.type);
    t.hold(w);
    expect(refusal(w.d, 'retry')).toMatch(/only a FAILED or ROLLED_BACK release can be retried/);
    expect(refusal(w.d, 'rollback')).toMatch(/only a COMPLETED release can be rolled back/);
    w.ask('abort');
    w.settle();
    expect(refusal(w.d, 'retry')).toBeNull();
    w.ask('retry');
    const retried = w.settle();
    // A retry is a new release; this one only forgets the request.
    expect(kinds(retried)).toEqual(['save']);
    expect(w.d).toMatchObject({ status: 'ROLLED_BACK', requested: null });
  });

  it('person: rollback after completion is a router switch while the old version is warm', () => {
    const w = new World(t.type);
    w.runUntil(ENDED);
    w.advance(10_000);
    w.ask('rollback');
    const actions = w.settle();
    // Rolling left the old version with the instances of its last batch: it grows back first.
    expect(ofKind(actions, 'startSide')).toMatchObject(
      t.type === 'ROLLING' ? [{ side: { version: 'v1' }, instances: 2 }] : [],
    );
    expect(w.d).toMatchObject({ status: 'ROLLED_BACK', requested: null });
    expect(w.d.reason).toBe(
      'rolled back to v1 by ops-wang after completion (it was warm: a router switch)',
    );
    expect(w.served()).toEqual({ v1: 100 });
    expect(w.app?.stable?.version).toBe('v1');
    expect(w.app?.previous).toBeNull();
    expect(w.sides.has('prod.shop.v2')).toBe(false);
  });

  it('person: rollback after the old version was retired starts it again, then switches', () => {
    const w = new World(t.type);
    w.runUntil(ENDED);
    w.advance(61_000);
    expect(w.sides.has('prod.shop.v1')).toBe(false);
    w.behaviour.v1 = 'slow';
    w.ask('rollback');
    const waiting = w.settle();
    expect(ofKind(waiting, 'startSide')).toMatchObject([{ side: { version: 'v1' }, instances: 2 }]);
    expect(w.served()).toEqual({ v2: 100 });
    w.sides.get('prod.shop.v1')!.behaviour = 'healthy';
    w.advance(1000);
    expect(w.d.reason).toBe('rolled back to v1 by ops-wang after completion (started again)');
    expect(w.served()).toEqual({ v1: 100 });
  });

  it('keep-previous expiry: the warm version is taken out of the table, stopped and forgotten', () => {
    const w = new World(t.type);
    w.runUntil(ENDED);
    const warmUntil = Date.parse(w.app?.previous?.warmUntil ?? '');
    expect(warmUntil).toBe(w.now + 60_000);
    w.runUntil(() => w.now >= warmUntil - 500);
    expect(w.sides.has('prod.shop.v1')).toBe(true);
    const actions = w.advance(500);
    expect(kinds(actions)).toEqual(['setTable', 'stopSide', 'saveApp']);
    expect(w.table?.versions.map((v) => v.version)).toEqual(['v2']);
    expect(w.app?.previous).toBeNull();
    expect(w.served()).toEqual({ v2: 100 });
  });

  it('a confirmation gate waits for a person before the last move; resume confirms it', () => {
    const w = new World(t.type, { hooks: { confirmPromotion: true } });
    w.runUntil((d) => d.status === 'PAUSED');
    expect(current(w.d)).toMatchObject({ name: 'Confirm promotion', kind: 'gate' });
    expect(w.d.reason).toBe('waiting for confirmation to promote');
    expect(kinds(w.advance(300_000)).filter((k) => k !== 'save')).toEqual([]);
    w.ask('resume');
    w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
    expect(w.d.progress.steps.find((s) => s.kind === 'gate')).toMatchObject({
      status: 'COMPLETED',
      detail: 'confirmed',
    });
  });

  it('app deleted: the release fails and its new side stops', () => {
    const w = new World(t.type);
    t.hold(w);
    w.app = null;
    const actions = w.settle();
    expect(kinds(actions)).toEqual(['stopSide', 'save']);
    expect(w.d).toMatchObject({ status: 'FAILED', reason: 'the app was deleted' });
  });

  it('a router that does not answer holds everything but the record-only requests', () => {
    const w = new World(t.type);
    w.routerUp = false;
    expect(w.settle()).toEqual([]);
    w.ask('pause');
    expect(kinds(w.settle())).toEqual(['save']);
    expect(w.d.status).toBe('PAUSED');
    w.routerUp = true;
    w.ask('resume');
    w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
  });

  it('a controller killed between any two actions picks up where the record says', () => {
    const hooks = { step: { command: ['./step'] }, postRollout: { command: ['./post'] } };
    const reference = new World(t.type, { hooks });
    reference.runUntil(ENDED);
    const total = reference.done.length;
    for (let k = 1; k < total; k += 1) {
      // Play the release until k actions have been carried out, with the last decision cut short.
      const w = new World(t.type, { hooks });
      while (w.done.length < k) {
        const before = w.done.length;
        const taken = w.cutShort(k - w.done.length);
        if (taken.length === 0) w.now += 500;
        else if (w.done.length === before) throw new Error('no progress');
      }
      w.runUntil(ENDED);
      expect(w.d.status, `killed after action ${k}`).toBe('COMPLETED');
      expect(w.served(), `killed after action ${k}`).toEqual({ v2: 100 });
      expect(w.d.trafficChange).toBeNull();
      // Each hook ran once per step, however the controller died.
      const runs = w.d.hooks.map((h) => `${h.hook}@${h.step}`);
      expect(new Set(runs).size, `killed after action ${k}`).toBe(runs.length);
    }
  });
});

describe('decide, the first release of an app', () => {
  it('starts it, then sends it all traffic and completes; nothing is kept warm', () => {
    const w = new World('CANARY', {}, { first: true });
    expect(w.d.progress.steps.map((s) => s.name)).toEqual(['Start v1', 'Full traffic']);
    w.settle();
    expect(w.d.status).toBe('COMPLETED');
    expect(w.served()).toEqual({ v1: 100 });
    expect(w.app?.stable?.version).toBe('v1');
    expect(w.app?.previous).toBeNull();
  });

  it('fails without a version to go back to, and leaves the router empty', () => {
    const w = new World('CANARY', {}, { first: true });
    w.behaviour.v1 = 'crash';
    w.settle();
    expect(w.d.status).toBe('FAILED');
    expect(w.table?.versions).toEqual([]);
  });
});

/** The release of v3 after `w` ended (v2 stable, v1 warm), on the same app and sides. */
function nextRelease(w: World, keepPrevious: string): World {
  const next = new World('CANARY', { keepPrevious });
  next.now = w.now;
  next.app = w.app;
  next.table = w.table;
  next.sides.clear();
  for (const [k, v] of w.sides) next.sides.set(k, v);
  next.d = {
    ...w.d,
    id: 'dep-20261202-00000002',
    version: 'v3',
    previousVersion: 'v2',
    status: 'PENDING',
    progress: {
      ...next.d.progress,
      steps: next.d.progress.steps.map((s) => ({ ...s, name: s.name.replace('v2', 'v3') })),
    },
    resources: {
      stable: { ...w.app!.stable!, traffic: 100 },
      canary: { ...next.d.resources.canary, version: 'v3', service: 'prod.shop.v3' },
    },
    canary: { ...w.d.canary, currentWeight: 0, desiredWeight: 0 },
    endTime: null,
    analysis: [],
    metrics: { successRate: [], responseTime: [] },
    hooks: [],
  };
  return next;
}

describe('decide, a warm version during the next release', () => {
  it('keeps the split the release has set when the warm version expires', () => {
    const w = new World('CANARY', { keepPrevious: '5s' });
    w.runUntil(ENDED);
    expect(w.app?.previous?.version).toBe('v1');
    // The next release, v3, over v2 with v1 still warm.
    const next = nextRelease(w, '5s');
    next.runToStep('Traffic 20%');
    expect(next.served()).toEqual({ v2: 80, v3: 20 });
    next.runUntil(() => next.app?.previous === null);
    expect(next.d.progress.steps[next.d.progress.currentStepIndex]?.name).toBe('Traffic 20%');
    expect(next.served()).toEqual({ v2: 80, v3: 20 });
    expect(next.sides.has('prod.shop.v1')).toBe(false);
  });

  it('stops a warm version still running when the next release completes and replaces it', () => {
    const w = new World('CANARY', { keepPrevious: '1h' });
    w.runUntil(ENDED);
    expect(w.app?.previous?.version).toBe('v1');
    const next = nextRelease(w, '1h');
    expect(next.sides.has('prod.shop.v1')).toBe(true);
    next.runUntil(ENDED);
    expect(next.d.status).toBe('COMPLETED');
    // v2 is the warm one now; v1, warm for another hour, was not forgotten running.
    expect(next.app?.previous?.version).toBe('v2');
    expect(next.sides.has('prod.shop.v1')).toBe(false);
    expect([...next.sides.keys()].sort()).toEqual(['prod.shop.v2', 'prod.shop.v3']);
  });
});

describe('decide, a canary step without a set pause', () => {
  it('waits at its weight for promote, however long', () => {
    const w = new World('CANARY', { strategy: { canary: { preset: 'manual' } } });
    w.runUntil((d) => d.status === 'PAUSED');
    expect(w.d.reason).toBe('waiting for promotion at 10%');
    expect(w.served()).toEqual({ v1: 90, v2: 10 });
    w.advance(3_600_000);
    expect(w.d.status).toBe('PAUSED');
    w.ask('promote');
    w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
    expect(w.d.progress.steps.filter((s) => s.status === 'SKIPPED').map((s) => s.name)).toEqual([
      'Traffic 10%',
      'Traffic 50%',
    ]);
  });
});

describe('a busy host slows both versions past the p99 limit (500 ms)', () => {
  const SLOW = { ...HEALTHY, latencyMs: 700 };
  const analysis = (whenStableFailsToo?: string) => ({
    analysis: {
      interval: '2s',
      minRequests: 20,
      failureLimit: 1,
      latencyP99: '500ms',
      ...(whenStableFailsToo === undefined ? {} : { whenStableFailsToo }),
    },
  });
  const busy = (spec: Record<string, unknown>) => {
    const w = new World('CANARY', spec);
    w.health.v1 = SLOW;
    w.health.v2 = SLOW;
    return w;
  };

  it('by default pauses without blaming the canary, saying the stable version fails too', () => {
    const w = busy(analysis());
    w.runUntil((d) => d.status !== 'RUNNING' && d.status !== 'PENDING');
    expect(w.d.status).toBe('PAUSED');
    expect(w.d.reason).toMatch(
      /^analysis paused at 20%: p99 latency [\d.]+ ms > 500 ms \(\d+ requests\), and the stable version fails this too: p99 latency [\d.]+ ms > 500 ms/,
    );
    const look = w.d.analysis.at(-1);
    expect(look?.verdict).toBe('inconclusive');
    expect(look?.checks.find((c) => c.metric === 'latencyP99')?.stableFailsToo).toMatchObject({
      code: 'STABLE_FAILS_TOO',
      policy: 'pause',
    });
    expect(w.d.stepState?.failures).toBe(0);
    // Traffic stays where it was; a person decides.
    expect(w.served()).toEqual({ v1: 80, v2: 20 });
    w.ask('promote');
    w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
  });

  it('with baselineOnly completes: the canary is no worse than the stable version', () => {
    const w = busy(analysis('baselineOnly'));
    w.runUntil(ENDED);
    expect(w.d.status).toBe('COMPLETED');
    const marked = w.d.analysis.flatMap((a) => a.checks).filter((c) => c.stableFailsToo);
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((c) => c.stableFailsToo?.policy === 'baselineOnly')).toBe(true);
  });

  it('with fail rolls back as before the policy existed', () => {
    const w = busy(analysis('fail'));
    w.runUntil(ENDED);
    expect(w.d.status).toBe('ROLLED_BACK');
    expect(w.d.reason).toMatch(/the stable version fails this too: .*\(failed 2 looks, limit 1\)$/);
  });

  it('still rolls back a canary that alone is slow', () => {
    const w = new World('CANARY', analysis('baselineOnly'));
    w.health.v2 = SLOW;
    w.runUntil(ENDED);
    expect(w.d.status).toBe('ROLLED_BACK');
    expect(w.d.reason).toMatch(/^p99 latency [\d.]+ ms > 500 ms/);
    expect(w.d.reason).not.toMatch(/stable version fails/);
  });
});
