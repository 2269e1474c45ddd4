import type { Logger } from 'pino';
import {
  NotFoundError,
  SortedKeys,
  maskEnv,
  secretValues,
  taskStatus,
  withKeptSecrets,
  type ListPageOptions,
  type TaskSpec,
  type TaskStatus,
  type runStats,
} from '@codedance/core';
import type { Task as TaskView } from '@codedance/api';
import type { StoredRecord } from '../store/index.js';
import {
  TaskDefinitions,
  toggled,
  validateDefinition,
  validateReplacement,
} from './definitions.js';
import type { RunData } from './records.js';
import { RunHistory, type RunPageOptions } from './run-history.js';
import { RunQueue, type QueuedRun, type RunRequest, type TriggerResult } from './run-queue.js';
import { TaskRun, type RunContext } from './run.js';
import {
  ScheduleTimers,
  missedOnStart,
  scheduleChanged,
  scheduleOf,
  upcomingFires,
} from './schedule-timers.js';
import { TaskState, type StoreAccess } from './task-state.js';

export type { TriggerResult } from './run-queue.js';

/** What the controller knows of a task besides its runs. */
interface Entry {
  spec: TaskSpec;
  version: number;
  state: TaskState;
}

/** A task as the API shows it: the contract's shape. */
export type { Task as TaskView } from '@codedance/api';

export interface TaskControllerOptions extends RunContext {
  maxConcurrent: () => number;
  runHistory: () => number;
}

/**
 * Schedules and runs tasks, connecting their parts: the definitions and
 * state in the store, the schedule timers, the run queue and the runs. It
 * holds only what those need in memory, and rebuilds it from the store on
 * start (re-adopting runs a previous server left).
 */
export class TaskController {
  readonly #options: TaskControllerOptions;
  readonly #entries = new Map<string, Entry>();
  /** The ids in order, so a page of tasks is found without sorting them all. */
  readonly #ids = new SortedKeys();
  readonly #definitions: TaskDefinitions;
  readonly #history: RunHistory;
  readonly #timers: ScheduleTimers;
  readonly #queue: RunQueue;
  readonly #store: StoreAccess;
  #started = false;
  #closed = false;

  constructor(options: TaskControllerOptions) {
    this.#options = options;
    this.#store = () => options.gate.store();
    this.#definitions = new TaskDefinitions(this.#store);
    this.#history = new RunHistory(this.#store);
    this.#timers = new ScheduleTimers({
      clock: options.clock,
      schedule: (id) => {
        const entry = this.#entries.get(id);
        return entry?.spec.enabled ? scheduleOf(entry.spec, entry.state.get().anchor) : null;
      },
      fire: (id, due) => this.#fire(id, due),
      onError: (error, id) => {
        this.#logger.error({ err: error, task: id }, 'a scheduled run could not start');
      },
    });
    this.#queue = new RunQueue({
      spec: (id) => this.#entries.get(id)?.spec ?? null,
      launch: (_id, spec, request) => TaskRun.start(options, spec, request),
      started: (id, run, request) => {
        this.#onStarted(id, run, request);
      },
      ended: (id, run, data, counted) => this.#onEnded(id, run, data, counted),
      maxConcurrent: options.maxConcurrent,
      logger: options.logger,
    });
  }

  get #logger(): Logger {
    return this.#options.logger;
  }

  /** Loads every task, re-adopts runs in flight, handles missed fires and arms the schedules. */
  async start(): Promise<void> {
    if (this.#started) return;
    const now = this.#options.clock();
    for (const record of await this.#definitions.all()) {
      this.#add(record, await TaskState.load(this.#store, record));
    }
    for (const record of await this.#history.running()) {
      const entry = this.#entries.get(record.data.task);
      const run = await TaskRun.adopt(this.#options, record.data, record.version, () =>
        secretValues(entry?.spec.environment),
      );
      if (entry && run.data().status === 'RUNNING') this.#queue.adopt(record.data.task, run);
      else if (entry) await entry.state.recordLastRun(run.data(), this.#options.clock());
    }
    this.#started = true;
    for (const [id, entry] of this.#entries) {
      if (entry.spec.enabled) {
        const missed = missedOnStart(entry.spec, entry.state.get(), now);
        for (const fire of missed.run) {
          this.#logger.info(
            { task: id, fireAt: fire.toISOString() },
            'running a fire missed while Codedance was down',
          );
          await this.trigger(id, 'misfire');
        }
        if (missed.skipped) {
          this.#logger.info(
            { task: id, policy: entry.spec.misfire },
            'fires missed while Codedance was down were skipped',
          );
        }
        await entry.state.save({ lastFireAt: new Date(now).toISOString() });
      }
      this.#timers.arm(id);
    }
  }

  /** Starts (or queues, or skips) a run as the overlap policy and the limits say. */
  trigger(id: string, trigger: string, attempt = 1): Promise<TriggerResult> {
    this.#entry(id);
    return this.#queue.trigger(id, trigger, attempt);
  }

  view(id: string): TaskView {
    const entry = this.#entry(id);
    const state = entry.state.get();
    const next = entry.spec.enabled
      ? upcomingFires(entry.spec, state.anchor, this.#options.clock(), 1)[0]
      : undefined;
    return {
      ...entry.spec,
      // What answers show: never a secret's value.
      ...(entry.spec.environment === undefined
        ? {}
        : { environment: maskEnv(entry.spec.environment) }),
      version: entry.version,
      status: this.#status(id, entry),
      running: this.#queue.runningCount(id),
      queued: this.#queue.queuedCount(id),
      nextRunAt: next ? next.toISOString() : null,
      lastRun: state.lastRun,
    };
  }

  list(): TaskView[] {
    return this.#ids.all().map((id) => this.view(id));
  }

  /** How many tasks there are. */
  get size(): number {
    return this.#ids.size;
  }

  /**
   * One page of tasks by id: a keyset over the sorted ids, with views built
   * for the page's tasks only, and the exact count of every match.
   */
  page(options: ListPageOptions): { items: TaskView[]; total: number; next: string | null } {
    const page = this.#ids.pageMatching(
      options,
      (id) => {
        const entry = this.#entries.get(id);
        return entry === undefined ? null : this.#status(id, entry);
      },
      (id) => [id, this.#entries.get(id)?.spec.script_path ?? ''],
    );
    return { items: page.keys.map((id) => this.view(id)), total: page.total, next: page.next };
  }

  /** The definitions alone, as they would be exported. */
  specs(): TaskSpec[] {
    return this.#ids.all().map((id) => this.#entry(id).spec);
  }

  /** The next `count` fire times of a task. */
  preview(id: string, count: number): string[] {
    const entry = this.#entry(id);
    return upcomingFires(entry.spec, entry.state.get().anchor, this.#options.clock(), count).map(
      (d) => d.toISOString(),
    );
  }

  async create(input: unknown): Promise<TaskView> {
    const spec = validateDefinition(withKeptSecrets(input, 'environment', undefined, 'task'));
    const saved = await this.#definitions.create(spec);
    const entry = this.#add(saved, TaskState.fresh(this.#store, saved));
    await entry.state.save();
    this.#timers.arm(spec.id);
    this.#options.bus.publish('task.status', {
      id: spec.id,
      status: this.#status(spec.id, entry),
      previous: null,
    });
    return this.view(spec.id);
  }

  /** Replaces a definition; with `expectedVersion`, only if nobody changed it since. */
  async update(id: string, input: unknown, expectedVersion?: number): Promise<TaskView> {
    const entry = this.#entry(id);
    const spec = validateReplacement(
      id,
      withKeptSecrets(input, 'environment', entry.spec.environment, 'task'),
    );
    const before = this.#status(id, entry);
    const saved = await this.#definitions.replace(spec, expectedVersion ?? entry.version);
    const moved = scheduleChanged(entry.spec, spec);
    entry.spec = spec;
    entry.version = saved.version;
    if (moved) await entry.state.save({ anchor: saved.updatedAt, lastFireAt: null });
    this.#timers.arm(id);
    this.#publishStatus(id, entry, before);
    return this.view(id);
  }

  async toggle(id: string, enabled?: boolean): Promise<TaskView> {
    const entry = this.#entry(id);
    return this.update(id, toggled(entry.spec, enabled), entry.version);
  }

  /** Stops every run of a task, and drops its queued runs and pending retries. */
  async stop(id: string): Promise<{ id: string; stopped: number }> {
    this.#entry(id);
    return { id, stopped: await this.#queue.stop(id) };
  }

  async restart(id: string): Promise<TriggerResult> {
    await this.stop(id);
    return this.trigger(id, 'manual');
  }

  async remove(id: string): Promise<void> {
    const entry = this.#entry(id);
    await this.stop(id);
    this.#timers.disarm(id);
    this.#entries.delete(id);
    this.#ids.delete(id);
    this.#queue.forget(id);
    await this.#definitions.remove(id);
    await this.#history.removeAll(id);
    this.#options.bus.publish('task.status', {
      id,
      status: 'DELETED',
      previous: this.#status(id, entry),
    });
  }

  /** Finished and running runs of a task, newest first. */
  /** A page of a task's runs, newest first by default, with the exact count of its runs. */
  async runs(id: string, options: RunPageOptions) {
    this.#entry(id);
    const page = await this.#history.page(id, { ...options, withTotal: true });
    return {
      items: page.items.map((record) => this.#live(id, record)),
      total: page.total ?? page.items.length,
      nextCursor: page.nextCursor,
    };
  }

  async run(id: string, run: string): Promise<RunData> {
    this.#entry(id);
    const record = await this.#history.get(id, run);
    if (!record) throw new NotFoundError('run', `${id}/${run}`);
    return this.#live(id, record);
  }

  /** Runs, success rate and mean duration over the newest `window` finished runs. */
  async stats(id: string, window = 100): Promise<ReturnType<typeof runStats>> {
    this.#entry(id);
    return this.#history.stats(id, window);
  }

  /** Stops timers and every running run, then closes (`codedance kill`). */
  async halt(): Promise<void> {
    this.#timers.close();
    await Promise.all([...this.#entries.keys()].map((id) => this.#queue.stop(id)));
    await this.close();
  }

  /** Stops timers and lets running processes go on; the next server re-adopts them. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#timers.close();
    await this.#queue.close();
  }

  #entry(id: string): Entry {
    const entry = this.#entries.get(id);
    if (!entry) throw new NotFoundError('task', id);
    return entry;
  }

  #add(record: StoredRecord<{ spec: TaskSpec }>, state: TaskState): Entry {
    const entry: Entry = { spec: record.data.spec, version: record.version, state };
    this.#entries.set(record.id, entry);
    this.#ids.add(record.id);
    this.#queue.add(record.id);
    return entry;
  }

  /** A scheduled fire: noted as handled, then run as the policies say. */
  async #fire(id: string, due: Date): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry || this.#closed) return;
    await entry.state.save({ lastFireAt: due.toISOString() });
    await this.trigger(id, 'schedule');
  }

  #onStarted(id: string, run: QueuedRun, request: RunRequest): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#options.bus.publish('task.run.started', {
      id,
      run: run.id,
      attempt: request.attempt,
      trigger: request.trigger,
      pid: run.data().pid,
    });
    // The status before this run was counted.
    this.#publishStatus(id, entry, this.#status(id, entry, -1));
  }

  async #onEnded(id: string, run: QueuedRun, data: RunData, counted: boolean): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    // The status while this run was still counted, before its outcome was recorded.
    const before = this.#status(id, entry, counted ? 1 : 0);
    this.#options.bus.publish('task.run.finished', {
      id,
      run: run.id,
      status: data.status,
      reason: data.reason,
      exitCode: data.exitCode,
      signal: data.signal,
      durationMs: data.durationMs ?? 0,
    });
    await entry.state.recordLastRun(data, this.#options.clock()).catch((error: unknown) => {
      this.#logger.error({ err: error, task: id }, 'recording the last run failed');
    });
    this.#publishStatus(id, entry, before);
    if (this.#closed) return;
    await this.#history.prune(id, this.#options.runHistory()).catch((error: unknown) => {
      this.#logger.warn({ err: error, task: id }, 'pruning old runs failed');
    });
  }

  /** A task's status, with `extra` runs counted beyond those running now. */
  #status(id: string, entry: Entry, extra = 0): TaskStatus {
    return taskStatus({
      enabled: entry.spec.enabled,
      running: this.#queue.runningCount(id) + extra,
      lastRun: entry.state.get().lastRun,
    });
  }

  #publishStatus(id: string, entry: Entry, previous: string): void {
    const status = this.#status(id, entry);
    if (status !== previous) this.#options.bus.publish('task.status', { id, status, previous });
  }

  /** A running run's in-memory figures are fresher than its stored record. */
  #live(id: string, record: StoredRecord<RunData>): RunData {
    const live = this.#queue.running(id, record.data.run);
    return live ? { ...record.data, ...live.data() } : record.data;
  }
}
