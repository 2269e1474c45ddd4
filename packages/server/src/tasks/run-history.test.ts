import { describe, expect, it } from 'vitest';
import { TENANT_DEFAULT } from '@codedance/core';
import { TASK_RUN_KIND, runRecordId, type RunData } from './records.js';
import { RunHistory } from './run-history.js';
import { runData, useSqliteStore } from './test-support/store.js';

describe('RunHistory', () => {
  let now = Date.parse('2031-01-01T00:00:00.000Z');
  const { store } = useSqliteStore(() => now);
  const history = () => new RunHistory(store);

  /** Records runs one second apart, in the order given. */
  async function record(...runs: RunData[]): Promise<void> {
    for (const run of runs) {
      now += 1000;
      await store().create(TENANT_DEFAULT, TASK_RUN_KIND, runRecordId(run.task, run.run), run);
    }
  }

  async function ids(task: string): Promise<string[]> {
    return (await history().page(task, { limit: 1000 })).items.map((r) => r.data.run);
  }

  it('pages a task’s runs newest first, and reads one', async () => {
    await record(runData('a', 'r1'), runData('b', 'r2'), runData('a', 'r3'), runData('a', 'r4'));
    const first = await history().page('a', { limit: 2 });
    expect(first.items.map((r) => r.data.run)).toEqual(['r4', 'r3']);
    const rest = await history().page('a', { limit: 2, cursor: first.nextCursor ?? '' });
    expect(rest.items.map((r) => r.data.run)).toEqual(['r1']);
    expect(rest.nextCursor).toBeNull();
    expect((await history().get('a', 'r3'))?.data.run).toBe('r3');
    expect(await history().get('a', 'r2')).toBeNull();
  });

  it('finds the runs still recorded as running, of every task', async () => {
    await record(
      runData('a', 'r1', { status: 'RUNNING' }),
      runData('a', 'r2'),
      runData('b', 'r3', { status: 'RUNNING' }),
    );
    expect((await history().running()).map((r) => r.id).sort()).toEqual(['a/r1', 'b/r3']);
  });

  it('keeps the newest runs of a task, and never deletes one still running', async () => {
    await record(
      runData('a', 'r1', { status: 'RUNNING' }),
      runData('a', 'r2'),
      runData('a', 'r3', { status: 'FAILED' }),
      runData('b', 'r4'),
      runData('a', 'r5'),
      runData('a', 'r6'),
    );
    await history().prune('a', 2);
    expect(await ids('a')).toEqual(['r6', 'r5', 'r1']);
    expect(await ids('b')).toEqual(['r4']);
    await history().prune('a', 5);
    expect(await ids('a')).toEqual(['r6', 'r5', 'r1']);
  });

  it('deletes every run of a task, however many pages they fill', async () => {
    const many = Array.from({ length: 1_203 }, (_, i) => runData('a', `r${i}`));
    await record(...many, runData('b', 'kept'));
    await history().removeAll('a');
    expect(await store().count(TENANT_DEFAULT, TASK_RUN_KIND, { task: 'a' })).toBe(0);
    expect(await ids('b')).toEqual(['kept']);
  });

  it('sums up the newest finished runs of a window', async () => {
    await record(
      runData('a', 'r1', { status: 'FAILED', durationMs: 9_000 }),
      runData('a', 'r2', { status: 'SUCCESS', durationMs: 1_000 }),
      runData('a', 'r3', { status: 'SUCCESS', durationMs: 3_000 }),
      runData('a', 'r4', { status: 'RUNNING', durationMs: null }),
    );
    expect(await history().stats('a', 3)).toMatchObject({ runs: 2, failed: 0, successRate: 1 });
    expect(await history().stats('a', 10)).toMatchObject({ runs: 3, failed: 1 });
  });
});
