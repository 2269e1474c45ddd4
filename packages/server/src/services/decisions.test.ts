import { describe, expect, it } from 'vitest';
import { validateServiceSpec, type ServiceSpec } from '@codedance/core';
import { sameProcess, validateReplacement } from './definition.js';
import { describeExit, planAfterExit, planMemoryRestart } from './exits.js';
import { newInstanceData, type InstanceData } from './records.js';
import { resumeStep } from './resume.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

function spec(extra: Record<string, unknown> = {}): ServiceSpec {
  const result = validateServiceSpec({
    name: 'api',
    command: 'node',
    backoff: { initial_ms: 100, max_ms: 1000, multiplier: 2, jitter: 0, reset_after_ms: 10_000 },
    crashloop: { max_restarts: 3, window_ms: 60_000 },
    ...extra,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

function running(extra: Partial<InstanceData> = {}): InstanceData {
  return {
    ...newInstanceData('api', 0, 'running', 1),
    state: 'online',
    pid: 42,
    startTicks: 7,
    startedAt: new Date(T0).toISOString(),
    ...extra,
  };
}

const exit = (code: number | null, signal: NodeJS.Signals | null = null, known = true) => ({
  code,
  signal,
  known,
  at: new Date(T0),
});

describe('planAfterExit', () => {
  it('backs off exponentially while crashes come quickly, then declares a crash loop', () => {
    let record = running();
    const delays: number[] = [];
    let now = T0 + 500;
    for (;;) {
      const plan = planAfterExit(record, exit(1), spec(), now, () => 0.5);
      if (plan.action !== 'restart') {
        expect(plan).toMatchObject({ action: 'crashloop', record: { state: 'crashloop' } });
        expect(plan.record.lastExitCodes).toEqual([1, 1, 1, 1]);
        break;
      }
      delays.push(plan.delayMs);
      expect(plan.record).toMatchObject({ state: 'backoff', pid: null, restarts: delays.length });
      expect(plan.record.nextRestartAt).toBe(new Date(now + plan.delayMs).toISOString());
      now += plan.delayMs + 200;
      record = { ...plan.record, state: 'online', startedAt: new Date(now - 200).toISOString() };
    }
    expect(delays).toEqual([0, 100, 200]);
  });

  it('starts the backoff over after a healthy run', () => {
    const previous = running({ lastDelayMs: 800, startedAt: new Date(T0).toISOString() });
    const plan = planAfterExit(previous, exit(1), spec(), T0 + 10_000, () => 0.5);
    expect(plan).toMatchObject({ action: 'restart', delayMs: 0 });
  });

  it('honours never and on-failure, and treats a lost process as a failure', () => {
    expect(
      planAfterExit(running(), exit(1), spec({ restart: 'never' }), T0, Math.random),
    ).toMatchObject({
      action: 'stay-stopped',
      record: { state: 'stopped', lastExitCodes: [1] },
    });
    const onFailure = spec({ restart: 'on-failure' });
    expect(planAfterExit(running(), exit(0), onFailure, T0, Math.random).action).toBe(
      'stay-stopped',
    );
    expect(planAfterExit(running(), exit(null, 'SIGKILL'), onFailure, T0, Math.random).action).toBe(
      'restart',
    );
    const lost = planAfterExit(running(), exit(null, null, false), onFailure, T0, Math.random);
    expect(lost).toMatchObject({ action: 'restart', record: { lastExitCodes: [null] } });
  });

  it('describes exits for people', () => {
    expect(describeExit(exit(3))).toBe('exited with code 3');
    expect(describeExit(exit(null, 'SIGKILL'))).toBe('killed by SIGKILL');
    expect(describeExit(exit(null, null, false))).toBe('was lost (exit status unknown)');
  });
});

describe('planMemoryRestart', () => {
  it('counts memory restarts towards the crash loop', () => {
    const recent = [T0 - 3000, T0 - 2000, T0 - 1000];
    expect(
      planMemoryRestart(running({ recentRestarts: recent.slice(1) }), spec(), T0),
    ).toMatchObject({
      crashloop: null,
      record: { restarts: 1, recentRestarts: [...recent.slice(1), T0] },
    });
    expect(planMemoryRestart(running({ recentRestarts: recent }), spec(), T0).crashloop).toMatch(
      /restarted 4 times within 60 s for memory/,
    );
  });
});

describe('resumeStep', () => {
  it('re-adopts what runs, finishes interrupted stops and restarts', () => {
    expect(resumeStep(running(), true)).toBe('watch');
    expect(resumeStep(running({ desired: 'stopped', state: 'stopping' }), true)).toBe(
      'finish-stop',
    );
    expect(resumeStep(running({ state: 'stopping' }), true)).toBe('finish-restart');
  });

  it('applies the policy to a process lost meanwhile, and leaves down what was down on purpose', () => {
    expect(resumeStep(running(), false)).toBe('lost');
    expect(resumeStep(running({ state: 'backoff', pid: null }), false)).toBe('backoff');
    expect(resumeStep(running({ state: 'starting', pid: null }), false)).toBe('spawn');
    expect(resumeStep(running({ state: 'crashloop', pid: null }), false)).toBe('none');
    expect(resumeStep(running({ state: 'stopped', pid: null }), false)).toBe('none');
    expect(resumeStep(running({ desired: 'stopped', state: 'stopping' }), false)).toBe(
      'settle-stopped',
    );
  });
});

describe('definitions', () => {
  it('tells a change of what runs from a change of count, whatever the key order', () => {
    const a = spec({ env: { A: '1', B: '2' } });
    expect(sameProcess(a, spec({ env: { B: '2', A: '1' }, instances: 3, enabled: false }))).toBe(
      true,
    );
    expect(sameProcess(a, spec({ env: { A: '1', B: '3' } }))).toBe(false);
  });

  it('lets a replacement leave the name out but not change it', () => {
    expect(validateReplacement('api', { command: 'node' }).name).toBe('api');
    expect(() => validateReplacement('api', { name: 'web', command: 'node' })).toThrow(
      /must be 'api'/,
    );
  });
});
