import { describe, expect, it } from 'vitest';
import {
  EXCEPTION_REASONS,
  RUN_TRIGGERS,
  TASK_STATUSES,
  classifyRun,
  runStats,
  taskStatus,
  type RunObservation,
} from './runs.js';

const exited: RunObservation = {
  timedOut: false,
  stoppedByUser: false,
  exitCode: 0,
  signal: null,
  exitKnown: true,
};

describe('status names', () => {
  it('are exactly the seed 004 ones', () => {
    expect(TASK_STATUSES).toEqual([
      'IDLE',
      'RUNNING',
      'SUCCESS',
      'FAILED',
      'EXCEPTION',
      'DISABLED',
    ]);
    expect(RUN_TRIGGERS).toContain('misfire');
    expect(EXCEPTION_REASONS).toEqual(['spawn_failed', 'timeout', 'killed', 'lost']);
  });
});

describe('classifyRun', () => {
  it.each<[string, Partial<RunObservation>, string, string | null, string]>([
    ['a clean exit', {}, 'SUCCESS', null, 'exited with code 0'],
    ['a non-zero exit', { exitCode: 2 }, 'FAILED', null, 'exited with code 2'],
    [
      'a spawn failure',
      { spawnError: 'spawn python9 ENOENT', exitCode: null },
      'EXCEPTION',
      'spawn_failed',
      'could not start: spawn python9 ENOENT',
    ],
    [
      'a timeout',
      { timedOut: true, timeoutSeconds: 30, exitCode: null, signal: 'SIGKILL' },
      'EXCEPTION',
      'timeout',
      'timed out after 30 s and was killed',
    ],
    [
      'a timeout of unknown length',
      { timedOut: true },
      'EXCEPTION',
      'timeout',
      'timed out and was killed',
    ],
    [
      'a stop by a person',
      { stoppedByUser: true, exitCode: null, signal: 'SIGTERM' },
      'EXCEPTION',
      'killed',
      'was stopped by a person',
    ],
    [
      'a signal',
      { exitCode: null, signal: 'SIGSEGV' },
      'EXCEPTION',
      'killed',
      'was killed by signal SIGSEGV',
    ],
    [
      'a lost process',
      { exitKnown: false, exitCode: null },
      'EXCEPTION',
      'lost',
      'was lost: its exit status is unknown',
    ],
  ])('classifies %s', (_, change, status, reason, summary) => {
    expect(classifyRun({ ...exited, ...change })).toEqual({ status, reason, summary });
  });

  it('blames the timeout rather than the kill it caused', () => {
    expect(classifyRun({ ...exited, timedOut: true, stoppedByUser: true }).reason).toBe('timeout');
  });
});

describe('taskStatus', () => {
  it.each([
    [{ enabled: false, running: 2, lastRun: { status: 'FAILED' as const } }, 'DISABLED'],
    [{ enabled: true, running: 1, lastRun: { status: 'FAILED' as const } }, 'RUNNING'],
    [{ enabled: true, running: 0, lastRun: { status: 'EXCEPTION' as const } }, 'EXCEPTION'],
    [{ enabled: true, running: 0, lastRun: { status: 'SUCCESS' as const } }, 'SUCCESS'],
    [{ enabled: true, running: 0, lastRun: null }, 'IDLE'],
  ])('%j is %s', (input, status) => {
    expect(taskStatus(input)).toBe(status);
  });
});

describe('runStats', () => {
  it('counts outcomes, the success rate and the mean known duration', () => {
    expect(
      runStats([
        { status: 'SUCCESS', durationMs: 100 },
        { status: 'SUCCESS', durationMs: 300 },
        { status: 'FAILED', durationMs: 200 },
        { status: 'EXCEPTION', durationMs: null },
      ]),
    ).toEqual({
      runs: 4,
      success: 2,
      failed: 1,
      exception: 1,
      successRate: 0.5,
      meanDurationMs: 200,
    });
  });

  it('has no rate and no mean without runs', () => {
    expect(runStats([])).toEqual({
      runs: 0,
      success: 0,
      failed: 0,
      exception: 0,
      successRate: null,
      meanDurationMs: null,
    });
  });
});
