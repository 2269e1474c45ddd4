import { describe, expect, it } from 'vitest';
import { decideRestart, type RestartInput } from './restart.js';

const now = Date.UTC(2024, 0, 1, 12);
const noJitter = () => 0.5;

const crash: RestartInput = {
  policy: 'always',
  exit: { code: 1, signal: null, known: true },
  stoppedByUser: false,
  uptimeMs: 2000,
  previousDelayMs: null,
  recentRestarts: [],
  now,
  backoff: { initial_ms: 100, max_ms: 1000, multiplier: 2, jitter: 0, reset_after_ms: 30_000 },
  crashloop: { max_restarts: 5, window_ms: 60_000 },
};

describe('decideRestart', () => {
  it('restarts at once, then grows the delay by the multiplier up to the maximum', () => {
    const delays: number[] = [];
    let previous: number | null = null;
    for (let i = 0; i < 6; i++) {
      const decision = decideRestart({ ...crash, previousDelayMs: previous }, noJitter);
      if (decision.action !== 'restart') throw new Error(decision.reason);
      delays.push(decision.delayMs);
      previous = decision.baseDelayMs;
    }
    expect(delays).toEqual([0, 100, 200, 400, 800, 1000]);
  });

  it('restarts at once again after a healthy uptime', () => {
    expect(
      decideRestart({ ...crash, previousDelayMs: 800, uptimeMs: 29_999 }, noJitter),
    ).toMatchObject({
      delayMs: 1000,
    });
    expect(
      decideRestart({ ...crash, previousDelayMs: 800, uptimeMs: 30_000 }, noJitter),
    ).toMatchObject({
      delayMs: 0,
    });
  });

  it('jitters within ±jitter of the base and never above the maximum', () => {
    const input = { ...crash, previousDelayMs: 200, backoff: { ...crash.backoff, jitter: 0.2 } };
    expect(decideRestart(input, () => 0)).toEqual({
      action: 'restart',
      delayMs: 320,
      baseDelayMs: 400,
    });
    expect(decideRestart(input, () => 0.999_999)).toMatchObject({ delayMs: 480, baseDelayMs: 400 });
    expect(decideRestart({ ...input, previousDelayMs: 1000 }, () => 0.999_999)).toMatchObject({
      delayMs: 1000,
    });
  });

  it('declares a crash loop at max_restarts within the window', () => {
    const four = [now - 50_000, now - 30_000, now - 10_000, now - 1000];
    expect(decideRestart({ ...crash, recentRestarts: four }, noJitter).action).toBe('restart');
    expect(decideRestart({ ...crash, recentRestarts: [...four, now - 500] }, noJitter)).toEqual({
      action: 'crashloop',
      reason: 'restarted 5 times within 60 s; waiting for a person',
    });
  });

  it('forgets restarts older than the window', () => {
    const old = [now - 120_000, now - 90_000, now - 61_000, now - 60_000, now - 1000];
    expect(decideRestart({ ...crash, recentRestarts: old }, noJitter).action).toBe('restart');
  });

  it('never restarts what a person stopped', () => {
    expect(decideRestart({ ...crash, stoppedByUser: true })).toEqual({
      action: 'stay-stopped',
      reason: 'stopped by a person',
    });
  });

  it('stays stopped with restart: never, even after a crash', () => {
    expect(decideRestart({ ...crash, policy: 'never' }).action).toBe('stay-stopped');
  });

  it('restarts on-failure services only when they fail', () => {
    const onFailure = { ...crash, policy: 'on-failure' as const };
    expect(decideRestart({ ...onFailure, exit: { code: 0, signal: null, known: true } })).toEqual({
      action: 'stay-stopped',
      reason: 'exited with code 0 and restarts only on failure',
    });
    expect(decideRestart(onFailure, noJitter).action).toBe('restart');
    expect(
      decideRestart(
        { ...onFailure, exit: { code: null, signal: 'SIGKILL', known: true } },
        noJitter,
      ).action,
    ).toBe('restart');
    expect(
      decideRestart({ ...onFailure, exit: { code: null, signal: null, known: false } }, noJitter)
        .action,
    ).toBe('restart');
  });

  it('restarts always-services after a clean exit too', () => {
    expect(
      decideRestart({ ...crash, exit: { code: 0, signal: null, known: true } }, noJitter).action,
    ).toBe('restart');
  });
});
