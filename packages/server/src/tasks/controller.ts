import type { Logger } from 'pino';
import {
  NotFoundError,
  TENANT_DEFAULT,
  ValidationError,
  decideOverlap,
  missedFires,
  nextFireTimes,
  retryDelayMs,
  runStats,
  taskStatus,
  validateTaskSpec,
  maskEnv,
  secretValues,
  withKeptSecrets,
  type TaskSpec,
} from '@codedance/core';
import { listAll, type StoredRecord } from '../store/index.js';
import { TaskRun, type RunContext } from './run.js';
import {
  TASK_KIND,
  TASK_RUN_KIND,
  TASK_STATE_KIND,
  type RunData,
  type TaskData,
  type TaskStateData,
} from './records.js';

/** Longest a timer may wait in Node; later fire times are re-armed on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  spec: TaskSpec;
  version: number;
  state: TaskStateData;
  stateVersion: number;
  timer: NodeJS.Timeout | null;
  running: Map<string, TaskRun>;
  /** Runs waiting for this task's own limit (overlap `queue`). */
  queue: { trigger: string; attempt: number }[];
  retries: Set<NodeJS.Timeout>;
}

export interface TaskView extends TaskSpec {
  version: number;
  status: string;
  running: number;
  queued: number;
  nextRunAt: string | null;
  lastRun: TaskStateData['lastRun'];
}

export interface TriggerResult {
  id: string;
  outcome: 'started' | 'queued' | 'skipped';
  run?: string;
  reason?: string;
}

export interface TaskControllerOptions extends RunContext {
  maxConcurrent: () => number;
  runHistory: () => number;
}

/**
 * Schedules and runs tasks. Definitions and run records live in the store;
 * this class holds only timers, queues and the runs in flight, and rebuilds
 * them from the store on start (re-adopting runs a previous server left).
 */
export class TaskController {
  private readonly entries = new Map<string, Entry>();
  /** Runs waiting for a global slot (MAX_CONCURRENT_TASKS). */
  private readonly waiting: { id: string; trigger: string; attempt: number }[] = [];
  private started = false;
  private closed = false;

  constructor(private readonly options: TaskControllerOptions) {}

  private get logger(): Logger {
    return this.options.logger;
  }

  private store() {
    return this.options.gate.store();
  }

  /** Loads every task, re-adopts runs in flight, handles missed fires and arms the schedules. */
  async start(): Promise<void> {
    if (this.started) return;
    const store = this.store();
    const now = new Date();
    for (const record of await listAll<TaskData>(store, TENANT_DEFAULT, TASK_KIND)) {
      const stateRecord = await store.get<TaskStateData>(
        TENANT_DEFAULT,
        TASK_STATE_KIND,
        record.id,
      );
      const entry: Entry = {
        spec: record.data.spec,
        version: record.version,
        state: stateRecord?.data ?? { anchor: record.createdAt, lastFireAt: null, lastRun: null },
        stateVersion: stateRecord?.version ?? 0,
        timer: null,
        running: new Map(),
        queue: [],
        retries: new Set(),
      };
      this.entries.set(record.id, entry);
    }
    for (const record of await listAll<RunData>(store, TENANT_DEFAULT, TASK_RUN_KIND, {
      status: 'RUNNING',
    })) {
      const entry = this.entries.get(record.data.task);
      const run = await TaskRun.adopt(this.options, record.data, record.version, () =>
        secretValues(entry?.spec.environment),
      );
      if (entry && run.data().status === 'RUNNING') {
        entry.running.set(run.id, run);
        void run.finished.then((data) => this.onFinished(record.data.task, run, data));
      } else if (entry) {
        await this.recordLastRun(entry, run.data());
      }
    }
    this.started = true;
    for (const [id, entry] of this.entries) {
      if (entry.spec.enabled) {
        // Count misses from the last handled fire, or from creation if none fired yet.
        const since = new Date(entry.state.lastFireAt ?? entry.state.anchor);
        const missed = missedFires(this.scheduleOf(entry), since, now, entry.spec.misfire);
        for (const fire of missed) {
          this.logger.info(
            { task: id, fireAt: fire.toISOString() },
            'running a fire missed while Codedance was down',
          );
          await this.trigger(id, 'misfire');
        }
        const firstDue = nextFireTimes(this.scheduleOf(entry), since, 1)[0];
        if (missed.length === 0 && firstDue !== undefined && firstDue <= now) {
          this.logger.info(
            { task: id, policy: entry.spec.misfire },
            'fires missed while Codedance was down were skipped',
          );
        }
        await this.saveState(id, { ...entry.state, lastFireAt: now.toISOString() });
      }
      this.arm(id);
    }
  }

  private scheduleOf(entry: Entry) {
    return {
      ...(entry.spec.cron === undefined ? {} : { cron: entry.spec.cron }),
      ...(entry.spec.timezone === undefined ? {} : { timezone: entry.spec.timezone }),
      ...(entry.spec.interval_minutes === undefined
        ? {}
        : { interval_minutes: entry.spec.interval_minutes }),
      anchor: new Date(entry.state.anchor),
    };
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundError('task', id);
    return entry;
  }

  private arm(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || this.closed) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    if (!entry.spec.enabled) return;
    const next = nextFireTimes(this.scheduleOf(entry), new Date(), 1)[0];
    if (!next) return;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - Date.now()));
    entry.timer = setTimeout(() => void this.onTimer(id, next), wait);
    entry.timer.unref();
  }

  private async onTimer(id: string, due: Date): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry || this.closed) return;
    if (Date.now() < due.getTime()) {
      this.arm(id);
      return;
    }
    try {
      await this.saveState(id, { ...entry.state, lastFireAt: due.toISOString() });
      await this.trigger(id, 'schedule');
    } catch (error) {
      this.logger.error({ err: error, task: id }, 'a scheduled run could not start');
    } finally {
      this.arm(id);
    }
  }

  /** Starts (or queues, or skips) a run as the overlap policy and the limits say. */
  async trigger(id: string, trigger: string, attempt = 1): Promise<TriggerResult> {
    const entry = this.entry(id);
    if (!entry.spec.enabled && (trigger === 'schedule' || trigger === 'misfire')) {
      return { id, outcome: 'skipped', reason: 'the task is disabled' };
    }
    const decision = decideOverlap({
      policy: entry.spec.overlap,
      running: entry.running.size,
      maxConcurrent: entry.spec.max_concurrent,
    });
    if (decision === 'skip') {
      const reason = `skipped: ${entry.running.size} run(s) still running (overlap policy skip)`;
      this.logger.info({ task: id, trigger }, reason);
      return { id, outcome: 'skipped', reason };
    }
    if (decision === 'queue') {
      entry.queue.push({ trigger, attempt });
      return {
        id,
        outcome: 'queued',
        reason: 'waiting for the previous run (overlap policy queue)',
      };
    }
    if (decision === 'replace') {
      const oldest = [...entry.running.values()][0];
      if (oldest) await oldest.stop();
    }
    if (this.runningTotal() >= this.options.maxConcurrent()) {
      this.waiting.push({ id, trigger, attempt });
      return {
        id,
        outcome: 'queued',
        reason: `waiting for a free slot (MAX_CONCURRENT_TASKS=${this.options.maxConcurrent()})`,
      };
    }
    const run = await this.launch(id, entry, trigger, attempt);
    return { id, outcome: 'started', run: run.id };
  }

  private runningTotal(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.running.size;
    return total;
  }

  private async launch(
    id: string,
    entry: Entry,
    trigger: string,
    attempt: number,
  ): Promise<TaskRun> {
    const before = this.statusOf(entry);
    const run = await TaskRun.start(this.options, { spec: entry.spec, trigger, attempt });
    if (run.data().status === 'RUNNING') {
      entry.running.set(run.id, run);
      this.options.bus.publish('task.run.started', {
        id,
        run: run.id,
        attempt,
        trigger,
        pid: run.data().pid,
      });
      this.publishStatus(id, entry, before);
    }
    void run.finished.then((data) => this.onFinished(id, run, data));
    return run;
  }

  private async onFinished(id: string, run: TaskRun, data: RunData): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    const before = this.statusOf(entry);
    entry.running.delete(run.id);
    this.options.bus.publish('task.run.finished', {
      id,
      run: run.id,
      status: data.status,
      reason: data.reason,
      exitCode: data.exitCode,
      signal: data.signal,
      durationMs: data.durationMs ?? 0,
    });
    await this.recordLastRun(entry, data).catch((error: unknown) => {
      this.logger.error({ err: error, task: id }, 'recording the last run failed');
    });
    this.publishStatus(id, entry, before);
    if (this.closed) return;
    const failed = data.status !== 'SUCCESS' && data.reason !== 'killed';
    if (failed && data.attempt <= entry.spec.retry_count && this.entries.has(id)) {
      const delay = retryDelayMs(data.attempt, {
        delaySeconds: entry.spec.retry_delay,
        backoff: entry.spec.retry_backoff,
        jitter: entry.spec.retry_jitter,
      });
      const timer = setTimeout(() => {
        entry.retries.delete(timer);
        void this.trigger(id, 'retry', data.attempt + 1).catch((error: unknown) => {
          this.logger.error({ err: error, task: id }, 'a retry could not start');
        });
      }, delay);
      timer.unref();
      entry.retries.add(timer);
    }
    await this.prune(id).catch((error: unknown) => {
      this.logger.warn({ err: error, task: id }, 'pruning old runs failed');
    });
    await this.drain();
  }

  /** Starts queued runs while limits allow. */
  private async drain(): Promise<void> {
    for (const [id, entry] of this.entries) {
      while (
        entry.running.size < entry.spec.max_concurrent &&
        this.runningTotal() < this.options.maxConcurrent()
      ) {
        const next = entry.queue.shift();
        if (!next) break;
        await this.launch(id, entry, next.trigger, next.attempt);
      }
    }
    while (this.runningTotal() < this.options.maxConcurrent()) {
      const next = this.waiting.shift();
      if (!next) break;
      const entry = this.entries.get(next.id);
      if (entry) await this.launch(next.id, entry, next.trigger, next.attempt);
    }
  }

  private async recordLastRun(entry: Entry, data: RunData): Promise<void> {
    if (data.status === 'RUNNING') return;
    await this.saveState(data.task, {
      ...entry.state,
      lastRun: {
        run: data.run,
        status: data.status,
        reason: data.reason,
        finishedAt: data.endedAt ?? new Date().toISOString(),
        durationMs: data.durationMs ?? 0,
        exitCode: data.exitCode,
      },
    });
  }

  private async saveState(id: string, state: TaskStateData): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    const store = this.store();
    const saved =
      entry.stateVersion === 0
        ? await store.create(TENANT_DEFAULT, TASK_STATE_KIND, id, state)
        : await store.update(TENANT_DEFAULT, TASK_STATE_KIND, id, state, entry.stateVersion);
    entry.state = state;
    entry.stateVersion = saved.version;
  }

  /** Keeps the newest `runHistory` finished runs of a task. */
  private async prune(id: string): Promise<void> {
    const keep = this.options.runHistory();
    const store = this.store();
    const total = await store.count(TENANT_DEFAULT, TASK_RUN_KIND, { task: id });
    if (total <= keep) return;
    const page = await store.list<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, {
      where: { task: id },
      order: 'asc',
      limit: Math.min(1000, total - keep),
    });
    for (const record of page.items) {
      if (record.data.status !== 'RUNNING')
        await store.delete(TENANT_DEFAULT, TASK_RUN_KIND, record.id);
    }
  }

  private statusOf(entry: Entry): string {
    return taskStatus({
      enabled: entry.spec.enabled,
      running: entry.running.size,
      lastRun: entry.state.lastRun,
    });
  }

  private publishStatus(id: string, entry: Entry, previous: string): void {
    const status = this.statusOf(entry);
    if (status !== previous) this.options.bus.publish('task.status', { id, status, previous });
  }

  view(id: string): TaskView {
    const entry = this.entry(id);
    const next = entry.spec.enabled
      ? nextFireTimes(this.scheduleOf(entry), new Date(), 1)[0]
      : undefined;
    return {
      ...entry.spec,
      // What answers show: never a secret's value.
      ...(entry.spec.environment === undefined
        ? {}
        : { environment: maskEnv(entry.spec.environment) }),
      version: entry.version,
      status: this.statusOf(entry),
      running: entry.running.size,
      queued: entry.queue.length + this.waiting.filter((w) => w.id === id).length,
      nextRunAt: next ? next.toISOString() : null,
      lastRun: entry.state.lastRun,
    };
  }

  list(): TaskView[] {
    return [...this.entries.keys()].sort().map((id) => this.view(id));
  }

  /** The definitions alone, as they would be exported. */
  specs(): TaskSpec[] {
    return [...this.entries.keys()].sort().map((id) => this.entry(id).spec);
  }

  /** The next `count` fire times of a task. */
  preview(id: string, count: number): string[] {
    const entry = this.entry(id);
    return nextFireTimes(this.scheduleOf(entry), new Date(), count).map((d) => d.toISOString());
  }

  private validate(input: unknown): TaskSpec {
    const result = validateTaskSpec(input);
    if (!result.ok) throw new ValidationError(result.problems, 'task');
    return result.value;
  }

  async create(input: unknown): Promise<TaskView> {
    const spec = this.validate(withKeptSecrets(input, 'environment', undefined, 'task'));
    const store = this.store();
    const saved = await store.create<TaskData>(TENANT_DEFAULT, TASK_KIND, spec.id, { spec });
    const state: TaskStateData = { anchor: saved.createdAt, lastFireAt: null, lastRun: null };
    this.entries.set(spec.id, {
      spec,
      version: saved.version,
      state,
      stateVersion: 0,
      timer: null,
      running: new Map(),
      queue: [],
      retries: new Set(),
    });
    await this.saveState(spec.id, state);
    this.arm(spec.id);
    this.options.bus.publish('task.status', {
      id: spec.id,
      status: this.statusOf(this.entry(spec.id)),
      previous: null,
    });
    return this.view(spec.id);
  }

  /** Replaces a definition; with `expectedVersion`, only if nobody changed it since. */
  async update(id: string, input: unknown, expectedVersion?: number): Promise<TaskView> {
    const entry = this.entry(id);
    const kept = withKeptSecrets(input, 'environment', entry.spec.environment, 'task');
    const spec = this.validate({ ...(kept as object), id: (kept as { id?: unknown }).id ?? id });
    if (spec.id !== id) {
      throw new ValidationError(
        [{ path: '/id', message: `must be '${id}' (ids cannot be changed)` }],
        'task',
      );
    }
    const before = this.statusOf(entry);
    const saved = await this.store().update<TaskData>(
      TENANT_DEFAULT,
      TASK_KIND,
      id,
      { spec },
      expectedVersion ?? entry.version,
    );
    const scheduleChanged =
      spec.cron !== entry.spec.cron ||
      spec.interval_minutes !== entry.spec.interval_minutes ||
      spec.timezone !== entry.spec.timezone;
    entry.spec = spec;
    entry.version = saved.version;
    if (scheduleChanged)
      await this.saveState(id, { ...entry.state, anchor: saved.updatedAt, lastFireAt: null });
    this.arm(id);
    this.publishStatus(id, entry, before);
    return this.view(id);
  }

  async toggle(id: string, enabled?: boolean): Promise<TaskView> {
    const entry = this.entry(id);
    return this.update(
      id,
      { ...entry.spec, enabled: enabled ?? !entry.spec.enabled },
      entry.version,
    );
  }

  /** Stops every run of a task, and drops its queued runs and pending retries. */
  async stop(id: string): Promise<{ id: string; stopped: number }> {
    const entry = this.entry(id);
    entry.queue = [];
    for (const timer of entry.retries) clearTimeout(timer);
    entry.retries.clear();
    for (let i = this.waiting.length - 1; i >= 0; i--)
      if (this.waiting[i]?.id === id) this.waiting.splice(i, 1);
    const runs = [...entry.running.values()];
    await Promise.all(runs.map((run) => run.stop()));
    await Promise.all(runs.map((run) => run.finished));
    return { id, stopped: runs.length };
  }

  async restart(id: string): Promise<TriggerResult> {
    await this.stop(id);
    return this.trigger(id, 'manual');
  }

  async remove(id: string): Promise<void> {
    const entry = this.entry(id);
    await this.stop(id);
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(id);
    const store = this.store();
    await store.delete(TENANT_DEFAULT, TASK_KIND, id);
    await store.delete(TENANT_DEFAULT, TASK_STATE_KIND, id);
    for (;;) {
      const page = await store.list(TENANT_DEFAULT, TASK_RUN_KIND, {
        where: { task: id },
        limit: 500,
      });
      for (const record of page.items) await store.delete(TENANT_DEFAULT, TASK_RUN_KIND, record.id);
      if (page.items.length < 500) break;
    }
    this.options.bus.publish('task.status', {
      id,
      status: 'DELETED',
      previous: this.statusOf(entry),
    });
  }

  /** Finished and running runs of a task, newest first. */
  async runs(id: string, options: { limit: number; cursor?: string }) {
    this.entry(id);
    const page = await this.store().list<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, {
      where: { task: id },
      order: 'desc',
      limit: options.limit,
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
    });
    return {
      items: page.items.map((r) => liveRun(this.entries.get(id), r)),
      nextCursor: page.nextCursor,
    };
  }

  async run(id: string, run: string): Promise<RunData> {
    this.entry(id);
    const record = await this.store().get<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, `${id}/${run}`);
    if (!record) throw new NotFoundError('run', `${id}/${run}`);
    return liveRun(this.entries.get(id), record);
  }

  /** Runs, success rate and mean duration over the newest `window` finished runs. */
  async stats(id: string, window = 100): Promise<ReturnType<typeof runStats>> {
    this.entry(id);
    const page = await this.store().list<RunData>(TENANT_DEFAULT, TASK_RUN_KIND, {
      where: { task: id },
      order: 'desc',
      limit: window,
    });
    const finished: Parameters<typeof runStats>[0][number][] = [];
    for (const { data } of page.items) {
      if (data.status !== 'RUNNING')
        finished.push({ status: data.status, durationMs: data.durationMs });
    }
    return runStats(finished);
  }

  /** Stops timers and lets running processes go on; the next server re-adopts them. */
  async close(): Promise<void> {
    this.closed = true;
    const releases: Promise<void>[] = [];
    for (const entry of this.entries.values()) {
      if (entry.timer) clearTimeout(entry.timer);
      for (const timer of entry.retries) clearTimeout(timer);
      for (const run of entry.running.values()) releases.push(run.release());
    }
    await Promise.all(releases);
  }
}

/** A running run's in-memory figures are fresher than its stored record. */
function liveRun(entry: Entry | undefined, record: StoredRecord<RunData>): RunData {
  const live = entry?.running.get(record.data.run);
  return live ? { ...record.data, ...live.data() } : record.data;
}
