import type { StoredRecord, TenantStore } from '../store/index.js';
import { TASK_STATE_KIND, type RunData, type TaskStateData } from './records.js';

/** Where the task feature reaches the store; a 503 while it is not open. */
export type StoreAccess = TenantStore;

/** The state of a task that has none stored yet: its schedule starts at its creation. */
export function initialState(createdAt: string): TaskStateData {
  return { anchor: createdAt, lastFireAt: null, lastRun: null };
}

/** The last-run summary a finished run leaves on its task. */
export function lastRunOf(
  data: RunData,
  now: number,
): NonNullable<TaskStateData['lastRun']> | null {
  if (data.status === 'RUNNING') return null;
  return {
    run: data.run,
    status: data.status,
    reason: data.reason,
    finishedAt: data.endedAt ?? new Date(now).toISOString(),
    durationMs: data.durationMs ?? 0,
    exitCode: data.exitCode,
  };
}

/**
 * The stored state of one task (schedule bookkeeping and last outcome) and
 * the one writer of it. Changes are applied one after another to the state
 * the previous one left, each naming the version that one made; a failed
 * write leaves state and version as they were.
 */
export class TaskState {
  #data: TaskStateData;
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly id: string,
    data: TaskStateData,
    private version: number,
    private readonly store: StoreAccess,
  ) {
    this.#data = data;
  }

  /** The stored state of a task, or its initial state when none is stored yet. */
  static async load(
    store: StoreAccess,
    task: Pick<StoredRecord, 'id' | 'createdAt'>,
  ): Promise<TaskState> {
    const record = await store().get<TaskStateData>(store.tenant, TASK_STATE_KIND, task.id);
    return record
      ? new TaskState(task.id, record.data, record.version, store)
      : new TaskState(task.id, initialState(task.createdAt), 0, store);
  }

  /** The state of a task just created; nothing is stored until `save`. */
  static fresh(store: StoreAccess, task: Pick<StoredRecord, 'id' | 'createdAt'>): TaskState {
    return new TaskState(task.id, initialState(task.createdAt), 0, store);
  }

  get(): TaskStateData {
    return this.#data;
  }

  /** Writes the state with `patch` applied, creating the record on the first write. */
  save(patch: Partial<TaskStateData> = {}): Promise<void> {
    const write = this.#writes.then(async () => {
      const next = { ...this.#data, ...patch };
      const store = this.store();
      const saved =
        this.version === 0
          ? await store.create(this.store.tenant, TASK_STATE_KIND, this.id, next)
          : await store.update(this.store.tenant, TASK_STATE_KIND, this.id, next, this.version);
      this.#data = next;
      this.version = saved.version;
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /** Records how a run ended; nothing for a run still running. */
  async recordLastRun(data: RunData, now: number): Promise<void> {
    const lastRun = lastRunOf(data, now);
    if (lastRun) await this.save({ lastRun });
  }
}
