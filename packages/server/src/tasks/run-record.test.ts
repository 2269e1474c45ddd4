import { tenantStore } from '../store/index.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError, TENANT_DEFAULT } from '@codedance/core';
import { TASK_RUN_KIND, type RunData } from './records.js';
import { RunRecord } from './run-record.js';
import { runData, useSqliteStore } from './test-support/store.js';

describe('RunRecord', () => {
  const { store } = useSqliteStore();
  const warnings: unknown[] = [];
  const logger = { warn: (context: unknown) => warnings.push(context) };

  afterEach(() => {
    warnings.length = 0;
    vi.useRealTimers();
  });

  const stored = () => store().get<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, 'job/r1');

  it('creates the record on the first write, then writes each change on from the version before', async () => {
    const record = new RunRecord(runData('job', 'r1', { status: 'RUNNING' }), 0, store, logger);
    await record.save();
    const writes: Promise<void>[] = [];
    for (let pid = 1; pid <= 5; pid++) {
      record.patch({ pid });
      writes.push(record.save());
    }
    await Promise.all(writes);
    expect(await stored()).toMatchObject({ version: 6, data: { pid: 5, status: 'RUNNING' } });
  });

  it('takes over a stored record at its version', async () => {
    await store().create(TENANT_DEFAULT, TASK_RUN_KIND, 'job/r1', runData('job', 'r1'));
    const record = new RunRecord(runData('job', 'r1', { cpuSeconds: 2 }), 1, store, logger);
    await record.save();
    expect(await stored()).toMatchObject({ version: 2, data: { cpuSeconds: 2 } });
  });

  it('retries the final write through a store outage, waiting longer each time', async () => {
    vi.useFakeTimers();
    let down = true;
    const flaky = () => {
      if (down) throw new StoreUnavailableError('sqlite');
      return store();
    };
    const record = new RunRecord(runData('job', 'r1'), 0, tenantStore(flaky, store.tenant), logger);
    let done = false;
    void record.saveFinal().then(() => {
      done = true;
    });
    // Attempts at 0, 200, 600 and 1400 ms fail.
    await vi.advanceTimersByTimeAsync(1_400);
    expect(warnings).toHaveLength(4);
    down = false;
    await vi.advanceTimersByTimeAsync(1_599);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(await stored()).toMatchObject({ version: 1, data: { status: 'SUCCESS' } });
  });

  it('gives up on the final write after about five minutes, without throwing', async () => {
    vi.useFakeTimers();
    const gone = () => {
      throw new StoreUnavailableError('sqlite');
    };
    const record = new RunRecord(runData('job', 'r1'), 0, tenantStore(gone, store.tenant), logger);
    let done = false;
    void record.saveFinal().then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(4 * 60_000);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(done).toBe(true);
    expect(warnings).toHaveLength(60);
  });
});
