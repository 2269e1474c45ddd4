import { tenantStore } from '../store/index.js';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError, TENANT_DEFAULT } from '@codedance/core';
import { TASK_STATE_KIND, type TaskStateData } from './records.js';
import { TaskState, initialState, lastRunOf } from './task-state.js';
import { runData, useSqliteStore } from './test-support/store.js';

const CREATED = '2031-01-01T00:00:00.000Z';
const task = { id: 'job', createdAt: CREATED };

describe('TaskState', () => {
  const { store } = useSqliteStore();

  async function stored(): Promise<{ version: number; data: TaskStateData } | null> {
    return store().get<TaskStateData>(TENANT_DEFAULT, TASK_STATE_KIND, 'job');
  }

  it('starts a task without stored state at its creation, and stores it on the first save', async () => {
    const state = await TaskState.load(store, task);
    expect(state.get()).toEqual(initialState(CREATED));
    expect(await stored()).toBeNull();
    await state.save();
    expect(await stored()).toMatchObject({ version: 1, data: initialState(CREATED) });
    await state.save({ lastFireAt: '2031-01-01T00:01:00.000Z' });
    expect(await stored()).toMatchObject({
      version: 2,
      data: { anchor: CREATED, lastFireAt: '2031-01-01T00:01:00.000Z', lastRun: null },
    });
  });

  it('loads what a previous server stored, and writes on from its version', async () => {
    const first = TaskState.fresh(store, task);
    await first.save({ lastFireAt: '2031-01-01T00:05:00.000Z' });
    const again = await TaskState.load(store, task);
    expect(again.get().lastFireAt).toBe('2031-01-01T00:05:00.000Z');
    await again.save({ anchor: '2031-02-01T00:00:00.000Z' });
    expect(await stored()).toMatchObject({
      version: 2,
      data: { anchor: '2031-02-01T00:00:00.000Z', lastFireAt: '2031-01-01T00:05:00.000Z' },
    });
  });

  it('applies changes made at once one after another, losing none', async () => {
    const state = TaskState.fresh(store, task);
    const ended = runData('job', 'r1', { status: 'FAILED', exitCode: 2 });
    await Promise.all([
      state.save({ lastFireAt: '2031-01-01T00:01:00.000Z' }),
      state.recordLastRun(ended, Date.parse('2031-01-01T00:02:00.000Z')),
      state.save({ lastFireAt: '2031-01-01T00:02:00.000Z' }),
    ]);
    const expected = {
      anchor: CREATED,
      lastFireAt: '2031-01-01T00:02:00.000Z',
      lastRun: lastRunOf(ended, 0),
    };
    expect(state.get()).toEqual(expected);
    expect(await stored()).toEqual(expect.objectContaining({ version: 3, data: expected }));
  });

  it('keeps the state as it was when a write fails, and the next write carries on', async () => {
    let down = false;
    const flaky = () => {
      if (down) throw new StoreUnavailableError('sqlite');
      return store();
    };
    const state = TaskState.fresh(tenantStore(flaky, store.tenant), task);
    await state.save();
    down = true;
    await expect(state.save({ lastFireAt: '2031-01-01T00:01:00.000Z' })).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    expect(state.get().lastFireAt).toBeNull();
    down = false;
    await state.save({ lastFireAt: '2031-01-01T00:02:00.000Z' });
    expect(await stored()).toMatchObject({
      version: 2,
      data: { lastFireAt: '2031-01-01T00:02:00.000Z' },
    });
  });

  it('sums up a finished run, and records nothing for a run still running', async () => {
    const now = Date.parse('2031-01-01T00:09:00.000Z');
    expect(lastRunOf(runData('job', 'r1', { status: 'RUNNING' }), now)).toBeNull();
    expect(
      lastRunOf(runData('job', 'r2', { status: 'EXCEPTION', reason: 'lost', endedAt: null }), now),
    ).toEqual({
      run: 'r2',
      status: 'EXCEPTION',
      reason: 'lost',
      finishedAt: '2031-01-01T00:09:00.000Z',
      durationMs: 1000,
      exitCode: 0,
    });
    const state = TaskState.fresh(store, task);
    await state.recordLastRun(runData('job', 'r3', { status: 'RUNNING' }), now);
    expect(await stored()).toBeNull();
  });
});
