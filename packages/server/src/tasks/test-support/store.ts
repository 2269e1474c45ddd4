import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { TENANT_DEFAULT, type TaskSpec } from '@codedance/core';
import { validateTaskSpec } from '@codedance/core';
import { createStore, tenantStore, type Store, type TenantStore } from '../../store/index.js';
import { tempFolder } from '../../store/test-support/servers.js';
import type { RunData } from '../records.js';

/**
 * A real SQLite store in a temporary folder, fresh for each test, reading
 * the time from `clock` (the test's, so times in records are known).
 */
export function useSqliteStore(clock: () => number = Date.now): {
  /** The store as the default tenant's records are reached. */
  store: TenantStore;
  path: () => string;
} {
  let current: { store: Store; path: string; remove: () => Promise<void> } | null = null;
  beforeEach(async () => {
    const folder = await tempFolder();
    const path = join(folder.dir, 'codedance.db');
    const store = createStore(`sqlite:${path}`, { clock: () => new Date(clock()) });
    await store.open();
    current = { store, path, remove: folder.remove };
  });
  afterEach(async () => {
    const done = current;
    current = null;
    await done?.store.close();
    await done?.remove();
  });
  const made = () => {
    if (!current) throw new Error('no store outside a test');
    return current;
  };
  return { store: tenantStore(() => made().store, TENANT_DEFAULT), path: () => made().path };
}

/** A valid task definition, with the defaults filled in as the API would. */
export function taskSpec(fields: Record<string, unknown> = {}): TaskSpec {
  const result = validateTaskSpec({ id: 'job', script_path: '/bin/true', ...fields });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

/** A run record as a run leaves it, ended unless `patch` says otherwise. */
export function runData(task: string, run: string, patch: Partial<RunData> = {}): RunData {
  return {
    task,
    run,
    trigger: 'manual',
    attempt: 1,
    status: 'SUCCESS',
    reason: null,
    summary: 'exited with code 0',
    startedAt: '2030-01-01T00:00:00.000Z',
    endedAt: '2030-01-01T00:00:01.000Z',
    durationMs: 1000,
    exitCode: 0,
    signal: null,
    pid: null,
    startTicks: null,
    peakRssBytes: 0,
    cpuSeconds: 0,
    command: ['/bin/true'],
    logFiles: { stdout: `/logs/${task}/${run}.out.log`, stderr: `/logs/${task}/${run}.err.log` },
    ...patch,
  };
}
