import type { Logger } from 'pino';
import { NotFoundError, decideOverlap, retryDelayMs, type TaskSpec } from '@codedance/core';
import type { RunData } from './records.js';

/** What a run is started for. */
export interface RunRequest {
  trigger: string;
  attempt: number;
}

/** What the queue needs of a run it started or adopted. */
export interface QueuedRun {
  readonly id: string;
  /** Resolves with the final record once the run has ended and been recorded. */
  readonly finished: Promise<RunData>;
  data(): RunData;
  /** Stops the process (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** Lets go of the process without stopping it (server shutdown). */
  release(): Promise<void>;
}

export interface TriggerResult {
  id: string;
  outcome: 'started' | 'queued' | 'skipped';
  run?: string;
  reason?: string;
}

export interface RunQueueOptions {
  /** A task's definition as it is now; null once it is deleted. */
  spec: (id: string) => TaskSpec | null;
  /** Records and starts a run; a run that could not start resolves too, already finished. */
  launch: (id: string, spec: TaskSpec, request: RunRequest) => Promise<QueuedRun>;
  /** Told once a launched run is running and counted. */
  started: (id: string, run: QueuedRun, request: RunRequest) => void;
  /**
   * Told once a run has ended, been recorded and left the count (`counted`:
   * whether it was counted at all; a run that could not start never is),
   * before any retry or queued run starts.
   */
  ended: (id: string, run: QueuedRun, data: RunData, counted: boolean) => Promise<void>;
  /** The server-wide limit of runs at once (MAX_CONCURRENT_TASKS). */
  maxConcurrent: () => number;
  logger: Pick<Logger, 'info' | 'error'>;
  /** For retry jitter. */
  random?: () => number;
}

interface TaskRuns {
  running: Map<string, QueuedRun>;
  /** Runs waiting for this task's own limit (overlap `queue`). */
  queue: RunRequest[];
  retries: Set<NodeJS.Timeout>;
}

/**
 * When runs start: the overlap policy and per-task limit, the server-wide
 * limit, retries after a failure, and the queues runs wait in. Holds the
 * runs in flight; knows nothing of schedules or the store. Tasks are added
 * in the order the controller knows them, which is the order their queues
 * are served in.
 */
export class RunQueue {
  readonly #options: RunQueueOptions;
  readonly #tasks = new Map<string, TaskRuns>();
  /** Runs waiting for a server-wide slot. */
  readonly #waiting: ({ id: string } & RunRequest)[] = [];
  #closed = false;

  constructor(options: RunQueueOptions) {
    this.#options = options;
  }

  /** Makes a task known; its runs can then be triggered. */
  add(id: string): void {
    if (!this.#tasks.has(id))
      this.#tasks.set(id, { running: new Map(), queue: [], retries: new Set() });
  }

  /** Starts (or queues, or skips) a run as the overlap policy and the limits say. */
  async trigger(id: string, trigger: string, attempt = 1): Promise<TriggerResult> {
    const spec = this.#spec(id);
    if (!spec.enabled && (trigger === 'schedule' || trigger === 'misfire')) {
      return { id, outcome: 'skipped', reason: 'the task is disabled' };
    }
    const runs = this.#runs(id);
    const decision = decideOverlap({
      policy: spec.overlap,
      running: runs.running.size,
      maxConcurrent: spec.max_concurrent,
    });
    if (decision === 'skip') {
      const reason = `skipped: ${runs.running.size} run(s) still running (overlap policy skip)`;
      this.#options.logger.info({ task: id, trigger }, reason);
      return { id, outcome: 'skipped', reason };
    }
    if (decision === 'queue') {
      runs.queue.push({ trigger, attempt });
      return {
        id,
        outcome: 'queued',
        reason: 'waiting for the previous run (overlap policy queue)',
      };
    }
    if (decision === 'replace') {
      const oldest = [...runs.running.values()][0];
      if (oldest) await oldest.stop();
    }
    if (this.runningTotal() >= this.#options.maxConcurrent()) {
      this.#waiting.push({ id, trigger, attempt });
      return {
        id,
        outcome: 'queued',
        reason: `waiting for a free slot (MAX_CONCURRENT_TASKS=${this.#options.maxConcurrent()})`,
      };
    }
    const run = await this.#launch(id, spec, { trigger, attempt });
    return { id, outcome: 'started', run: run.id };
  }

  /** Takes on a run a previous server left running; it counts against the limits. */
  adopt(id: string, run: QueuedRun): void {
    this.#runs(id).running.set(run.id, run);
    this.#follow(id, run);
  }

  /** A task's run in flight, by run id. */
  running(id: string, run: string): QueuedRun | undefined {
    return this.#tasks.get(id)?.running.get(run);
  }

  runningCount(id: string): number {
    return this.#tasks.get(id)?.running.size ?? 0;
  }

  /** Runs of a task waiting for its own limit or for a server-wide slot. */
  queuedCount(id: string): number {
    const own = this.#tasks.get(id)?.queue.length ?? 0;
    return own + this.#waiting.filter((w) => w.id === id).length;
  }

  runningTotal(): number {
    let total = 0;
    for (const runs of this.#tasks.values()) total += runs.running.size;
    return total;
  }

  /** Stops every run of a task, and drops its queued runs and pending retries. */
  async stop(id: string): Promise<number> {
    const runs = this.#tasks.get(id);
    for (let i = this.#waiting.length - 1; i >= 0; i--)
      if (this.#waiting[i]?.id === id) this.#waiting.splice(i, 1);
    if (!runs) return 0;
    runs.queue = [];
    for (const timer of runs.retries) clearTimeout(timer);
    runs.retries.clear();
    const running = [...runs.running.values()];
    await Promise.all(running.map((run) => run.stop()));
    await Promise.all(running.map((run) => run.finished));
    return running.length;
  }

  /** Forgets a deleted task; call after `stop`. */
  forget(id: string): void {
    this.#tasks.delete(id);
  }

  /** Drops every retry and lets the runs go on without it (server shutdown). */
  async close(): Promise<void> {
    this.#closed = true;
    const releases: Promise<void>[] = [];
    for (const runs of this.#tasks.values()) {
      for (const timer of runs.retries) clearTimeout(timer);
      runs.retries.clear();
      for (const run of runs.running.values()) releases.push(run.release());
    }
    await Promise.all(releases);
  }

  #spec(id: string): TaskSpec {
    const spec = this.#options.spec(id);
    if (!spec) throw new NotFoundError('task', id);
    return spec;
  }

  #runs(id: string): TaskRuns {
    const runs = this.#tasks.get(id);
    if (!runs) throw new NotFoundError('task', id);
    return runs;
  }

  async #launch(id: string, spec: TaskSpec, request: RunRequest): Promise<QueuedRun> {
    const run = await this.#options.launch(id, spec, request);
    const runs = this.#tasks.get(id);
    if (runs && run.data().status === 'RUNNING') {
      runs.running.set(run.id, run);
      this.#options.started(id, run, request);
    }
    this.#follow(id, run);
    return run;
  }

  /** Once the run ends: takes it off the count, then retries or starts what waited for it. */
  #follow(id: string, run: QueuedRun): void {
    void run.finished
      .then(async (data) => {
        const counted = this.#tasks.get(id)?.running.delete(run.id) ?? false;
        await this.#options.ended(id, run, data, counted);
        if (this.#closed) return;
        this.#retry(id, data);
        await this.#drain();
      })
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error, task: id }, 'a queued run could not start');
      });
  }

  /** Arms a retry of a run that failed, while the task allows more attempts. */
  #retry(id: string, data: RunData): void {
    const spec = this.#options.spec(id);
    const failed = data.status !== 'SUCCESS' && data.reason !== 'killed';
    const runs = this.#tasks.get(id);
    if (!spec || !runs || !failed || data.attempt > spec.retry_count) return;
    const delay = retryDelayMs(
      data.attempt,
      { delaySeconds: spec.retry_delay, backoff: spec.retry_backoff, jitter: spec.retry_jitter },
      this.#options.random,
    );
    const timer = setTimeout(() => {
      runs.retries.delete(timer);
      this.trigger(id, 'retry', data.attempt + 1).catch((error: unknown) => {
        this.#options.logger.error({ err: error, task: id }, 'a retry could not start');
      });
    }, delay);
    timer.unref();
    runs.retries.add(timer);
  }

  /** Starts queued runs while the limits allow: each task's own queue first, then the server's. */
  async #drain(): Promise<void> {
    const max = this.#options.maxConcurrent;
    for (const [id, runs] of this.#tasks) {
      const spec = this.#options.spec(id);
      if (!spec) continue;
      while (runs.running.size < spec.max_concurrent && this.runningTotal() < max()) {
        const next = runs.queue.shift();
        if (!next) break;
        await this.#launch(id, spec, next);
      }
    }
    while (this.runningTotal() < max()) {
      const next = this.#waiting.shift();
      if (!next) break;
      const spec = this.#options.spec(next.id);
      if (spec) await this.#launch(next.id, spec, next);
    }
  }
}
