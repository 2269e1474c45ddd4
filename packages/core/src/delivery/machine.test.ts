import { describe, expect, it } from 'vitest';
import {
  announceTraffic,
  beginStep,
  completeStep,
  failRelease,
  newDeployment,
  pause,
  promote,
  refusal,
  resume,
  setTraffic,
  trafficApplied,
  waitForPerson,
} from './machine.js';
import { validateAppManifest, type AppSpec } from './manifest.js';
import { trafficWeights, type Deployment } from './record.js';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');

function app(spec: Record<string, unknown> = {}): AppSpec {
  const result = validateAppManifest({
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'shop', namespace: 'production' },
    spec: { port: 8080, instances: 2, run: { command: 'node', args: ['v2.js'] }, ...spec },
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

function release(spec: Record<string, unknown> = {}): Deployment {
  return newDeployment({
    id: 'dep-20261202-00000001',
    app: app(spec),
    version: 'v2',
    type: 'CANARY',
    run: { command: 'node', args: ['v2.js'] },
    executor: 'ops-li',
    stable: {
      version: 'v1',
      service: 'production.shop.v1',
      instances: 2,
      ready: 2,
      command: 'node v1.js',
      traffic: 100,
      state: 'running',
      port: 20000,
    },
    canaryService: 'production.shop.v2',
    now: T0,
  });
}

describe('the release state machine', () => {
  it('creates a PENDING record with seed 003 fields and the planned steps', () => {
    const d = release();
    expect(d).toMatchObject({
      app: 'shop',
      environment: 'production',
      version: 'v2',
      previousVersion: 'v1',
      deploymentType: 'CANARY',
      status: 'PENDING',
      executor: 'ops-li',
      startTime: '2026-12-02T10:00:00.000Z',
      endTime: null,
      canary: { phase: 'Progressing', currentWeight: 0 },
    });
    expect(d.progress.steps.every((s) => s.status === 'PENDING')).toBe(true);
    expect(d.resources.canary).toMatchObject({ version: 'v2', command: 'node v2.js', traffic: 0 });
    expect(d.logs[0]?.message).toBe('Release of v2 requested by ops-li');
  });

  it('walks the steps with times, and completes with the previous version kept warm', () => {
    let d = beginStep(release(), 0, T0);
    expect(d.status).toBe('RUNNING');
    for (let i = 1; d.status === 'RUNNING'; i += 1)
      d = completeStep(d, T0 + i * 1000, 'done', 60_000);
    expect(d.status).toBe('COMPLETED');
    expect(d.canary.phase).toBe('Succeeded');
    expect(d.progress.percentage).toBe(100);
    expect(d.warmUntil).toBe(new Date(Date.parse(d.endTime!) + 60_000).toISOString());
    for (const step of d.progress.steps) {
      expect(step.status).toBe('COMPLETED');
      expect(Date.parse(step.endTime!)).toBeGreaterThanOrEqual(Date.parse(step.startTime!));
    }
  });

  it('records traffic on both sides', () => {
    const d = setTraffic(release(), 25);
    expect(d.canary).toMatchObject({ currentWeight: 25, desiredWeight: 25 });
    expect(d.resources.stable?.traffic).toBe(75);
    expect(d.resources.canary.traffic).toBe(25);
  });

  it('announces a traffic change until the router confirms it, keeping where it started', () => {
    const first = announceTraffic(release(), 20, T0);
    expect(first.trafficChange).toEqual({
      from: { v1: 100 },
      to: { v1: 80, v2: 20 },
      since: '2026-12-02T10:00:00.000Z',
    });
    expect(trafficWeights(first)).toEqual({ v1: 80, v2: 20 });
    // A second change before the first was confirmed: the router may still serve the first table.
    const second = announceTraffic(first, 50, T0 + 1000);
    expect(second.trafficChange).toMatchObject({ from: { v1: 100 }, to: { v1: 50, v2: 50 } });
    const applied = trafficApplied(second);
    expect(applied.trafficChange).toBeNull();
    expect(trafficApplied(applied)).toBe(applied);
  });

  it('fails a release with its reason on the running step', () => {
    const d = failRelease(
      beginStep(release(), 1, T0),
      T0 + 5000,
      'error rate 30 % > 5 %',
      'ROLLED_BACK',
    );
    expect(d.status).toBe('ROLLED_BACK');
    expect(d.reason).toBe('error rate 30 % > 5 %');
    expect(d.canary.phase).toBe('Failed');
    expect(d.progress.steps[1]).toMatchObject({
      status: 'FAILED',
      detail: 'error rate 30 % > 5 %',
    });
    expect(d.logs.at(-1)?.message).toBe('Rolled back to v1: error rate 30 % > 5 %');
  });

  it('pauses and resumes, and a resumed wait counts as confirmed', () => {
    const running = beginStep(release(), 1, T0);
    const paused = pause(running, T0 + 1, 'ops-wang');
    expect(paused).toMatchObject({
      status: 'PAUSED',
      reason: 'paused by ops-wang',
      canary: { phase: 'Paused' },
    });
    const resumed = resume(paused, T0 + 2, 'ops-wang');
    expect(resumed).toMatchObject({ status: 'RUNNING', reason: null });
    expect(resumed.stepState).toMatchObject({ waiting: false, confirmed: true });
  });

  it('promote skips every remaining step but full traffic and retirement', () => {
    const waiting = waitForPerson(beginStep(release(), 1, T0), T0, 'waiting for promotion at 20%');
    const promoted = promote(waiting, T0 + 1, 'ops-li');
    expect(promoted.status).toBe('RUNNING');
    expect(promoted.progress.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'Start v2:PENDING',
      'Traffic 20%:SKIPPED',
      'Traffic 40%:SKIPPED',
      'Traffic 60%:SKIPPED',
      'Traffic 80%:SKIPPED',
      'Full traffic:RUNNING',
      'Retire v1:PENDING',
    ]);
    expect(promoted.progress.currentStepIndex).toBe(5);
  });

  it('says why an action cannot be taken now', () => {
    const d = release();
    expect(refusal(d, 'resume')).toMatch(/only a PAUSED release/);
    expect(refusal(d, 'rollback')).toMatch(/only a COMPLETED release/);
    expect(refusal(d, 'abort')).toBeNull();
    const failed = failRelease(d, T0, 'x', 'FAILED');
    expect(refusal(failed, 'abort')).toMatch(/already ended/);
    expect(refusal(failed, 'retry')).toBeNull();
    expect(refusal(failed, 'pause')).toMatch(/cannot be paused/);
  });
});
