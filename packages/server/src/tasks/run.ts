import {
  TENANT_DEFAULT,
  classifyRun,
  maskSecrets,
  plainEnv,
  secretValues,
  taskCommand,
  type TaskSpec,
} from '@codedance/core';
import { logFiles } from '../logs/index.js';
import type { ProcessHandle } from '../runtime/index.js';
import type { WorkloadContext } from '../workloads/context.js';
import { workloadEnvironment } from '../workloads/environment.js';
import { TASK_RUN_KIND, newRunId, runRecordId, type RunData } from './records.js';

export interface RunContext extends WorkloadContext {
  /** Seconds a run may take when its task sets no timeout. */
  defaultTimeout: () => number;
  /** Grace between SIGTERM and SIGKILL when a run is stopped or times out. */
  graceMs: number;
}

export interface RunRequest {
  spec: TaskSpec;
  trigger: string;
  attempt: number;
}

/**
 * One run of a task, from spawn to its final record. The record is written
 * before the process starts (RUNNING) and once when it ends, so a server
 * killed in between finds it and re-adopts the process.
 */
export class TaskRun {
  readonly id: string;
  readonly task: string;
  private record: RunData;
  private version = 0;
  private handle: ProcessHandle | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private sampleTimer: NodeJS.Timeout | null = null;
  private stoppedByUser = false;
  private samples = 0;
  private writes: Promise<unknown> = Promise.resolve();
  private timedOut = false;
  private timeoutSeconds: number | undefined;
  /** Resolves with the final record once the run has ended and been recorded. */
  readonly finished: Promise<RunData>;
  private resolveFinished!: (data: RunData) => void;

  private constructor(
    private readonly ctx: RunContext,
    record: RunData,
  ) {
    this.id = record.run;
    this.task = record.task;
    this.record = record;
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** Records and spawns a new run. Never throws for a failed spawn: that run ends as EXCEPTION. */
  static async start(ctx: RunContext, request: RunRequest): Promise<TaskRun> {
    const now = new Date();
    const run = newRunId(now);
    const source = { kind: 'task' as const, id: request.spec.id, run };
    const { command, args } = taskCommand(request.spec);
    const record: RunData = {
      task: request.spec.id,
      run,
      trigger: request.trigger,
      attempt: request.attempt,
      status: 'RUNNING',
      reason: null,
      summary: null,
      startedAt: now.toISOString(),
      endedAt: null,
      durationMs: null,
      exitCode: null,
      signal: null,
      pid: null,
      startTicks: null,
      peakRssBytes: 0,
      cpuSeconds: 0,
      command: request.spec.shell
        ? ['/bin/sh', '-c', [command, ...args].join(' ')]
        : [command, ...args],
      logFiles: logFiles(ctx.logsDir, source),
      logOffsets: null,
    };
    const taskRun = new TaskRun(ctx, record);
    await taskRun.persist(true);
    await taskRun.spawn(request.spec);
    return taskRun;
  }

  /** Takes over a run recorded as RUNNING by a previous server process. */
  static async adopt(
    ctx: RunContext,
    record: RunData,
    version: number,
    secrets: () => readonly string[] = () => [],
  ): Promise<TaskRun> {
    const taskRun = new TaskRun(ctx, record);
    taskRun.version = version;
    const handle =
      record.pid !== null && record.startTicks !== null
        ? await ctx.runtime.adopt(record.pid, record.startTicks)
        : null;
    const source = taskRun.source();
    if (!handle) {
      await taskRun.end({ code: null, signal: null, known: false, at: new Date() });
      return taskRun;
    }
    await ctx.hub.attach(
      source,
      record.logFiles,
      record.logOffsets ? { offsets: record.logOffsets, secrets } : { fromStart: true, secrets },
    );
    ctx.hub.system(source, 'INFO', `re-adopted pid ${handle.pid} after a server restart`);
    taskRun.watch(handle, record.startedAt);
    return taskRun;
  }

  data(): RunData {
    return this.record;
  }

  private source() {
    return { kind: 'task' as const, id: this.record.task, run: this.record.run };
  }

  private async spawn(spec: TaskSpec): Promise<void> {
    const { ctx } = this;
    const source = this.source();
    const [command = '', ...args] = this.record.command;
    try {
      const handle = await ctx.runtime.spawn({
        command,
        args,
        ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
        env: workloadEnvironment(
          ctx.env,
          {
            CODEDANCE_TASK_ID: spec.id,
            CODEDANCE_RUN_ID: this.record.run,
            CODEDANCE_ATTEMPT: String(this.record.attempt),
          },
          plainEnv(spec.environment),
        ),
        stdoutFile: this.record.logFiles.stdout,
        stderrFile: this.record.logFiles.stderr,
      });
      this.record = { ...this.record, pid: handle.pid, startTicks: handle.startTicks };
      await this.persist();
      await ctx.hub.attach(source, this.record.logFiles, {
        fromStart: true,
        secrets: () => secretValues(spec.environment),
      });
      ctx.hub.system(
        source,
        'INFO',
        maskSecrets(
          `started pid ${handle.pid}: ${this.record.command.join(' ')}`,
          secretValues(spec.environment),
        ),
      );
      this.watch(handle, this.record.startedAt, spec.timeout ?? ctx.defaultTimeout());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // end() writes the run's summary ("could not start: …") as its last log line.
      await ctx.hub.attach(source, this.record.logFiles, { fromStart: true });
      await this.end(null, message);
    }
  }

  private watch(handle: ProcessHandle, startedAt: string, timeoutSeconds?: number): void {
    this.handle = handle;
    if (timeoutSeconds !== undefined) {
      this.timeoutSeconds = timeoutSeconds;
      const left = timeoutSeconds * 1000 - (Date.now() - Date.parse(startedAt));
      this.timeoutTimer = setTimeout(() => void this.onTimeout(timeoutSeconds), Math.max(0, left));
    }
    // Sampled often enough to see short runs; persisted far less often (see sample()).
    this.sampleTimer = setInterval(() => void this.sample(), 250);
    this.sampleTimer.unref();
    void handle.exited.then((exit) => this.end(exit));
  }

  private async onTimeout(seconds: number): Promise<void> {
    if (!this.handle) return;
    this.timedOut = true;
    this.ctx.hub.system(
      this.source(),
      'ERROR',
      `timed out after ${seconds} s; stopping the process group`,
    );
    await this.ctx.runtime.stop(this.handle.pid, { graceMs: this.ctx.graceMs });
  }

  private async sample(): Promise<void> {
    if (!this.handle) return;
    const usage = await this.ctx.runtime.usage(this.handle.pid).catch(() => null);
    if (!usage) return;
    this.record.peakRssBytes = Math.max(this.record.peakRssBytes, usage.rssBytes);
    this.record.cpuSeconds = Math.max(
      this.record.cpuSeconds,
      Math.round(usage.cpuSeconds * 100) / 100,
    );
    this.record.logOffsets = this.ctx.hub.offsets(this.source()) ?? this.record.logOffsets;
    // Every few seconds the offsets are saved, so a server killed outright re-reads little.
    if (++this.samples % 20 === 0) await this.persist().catch(() => undefined);
  }

  /** Stops the run on a person's request (SIGTERM to the group, then SIGKILL). */
  async stop(): Promise<void> {
    this.stoppedByUser = true;
    if (this.handle) await this.ctx.runtime.stop(this.handle.pid, { graceMs: this.ctx.graceMs });
  }

  /** Lets go of the run without stopping its process (server shutdown): it will be re-adopted. */
  async release(): Promise<void> {
    this.clearTimers();
    this.record.logOffsets = this.ctx.hub.offsets(this.source()) ?? this.record.logOffsets;
    await this.ctx.hub.detach(this.source());
    await this.persist().catch(() => undefined);
  }

  private clearTimers(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    this.timeoutTimer = null;
    this.sampleTimer = null;
  }

  private async end(
    exit: { code: number | null; signal: NodeJS.Signals | null; known: boolean; at: Date } | null,
    spawnError?: string,
  ): Promise<void> {
    this.clearTimers();
    if (this.handle) await this.sample();
    const endedAt = exit?.at ?? new Date();
    const outcome = classifyRun({
      ...(spawnError === undefined ? {} : { spawnError }),
      timedOut: this.timedOut,
      stoppedByUser: this.stoppedByUser,
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null,
      exitKnown: exit?.known ?? true,
      ...(this.timeoutSeconds === undefined ? {} : { timeoutSeconds: this.timeoutSeconds }),
    });
    this.record = {
      ...this.record,
      status: outcome.status,
      reason: outcome.reason,
      summary: outcome.summary,
      endedAt: endedAt.toISOString(),
      durationMs: Math.max(0, endedAt.getTime() - Date.parse(this.record.startedAt)),
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null,
    };
    const source = this.source();
    this.ctx.hub.system(source, outcome.status === 'SUCCESS' ? 'INFO' : 'ERROR', outcome.summary);
    await this.ctx.hub.detach(source);
    this.record.logOffsets = null;
    await this.persistWithRetry();
    this.handle = null;
    this.resolveFinished(this.record);
  }

  /** The final record must not be lost to a short store outage: retry for a while. */
  private async persistWithRetry(): Promise<void> {
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        await this.persist();
        return;
      } catch (error) {
        this.ctx.logger.warn(
          { err: error, task: this.task, run: this.id },
          'recording the end of a run failed; retrying',
        );
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** attempt)));
      }
    }
  }

  /** Writes the record; writes are serialised so each names the version the previous one made. */
  private persist(create = false): Promise<void> {
    const write = this.writes.then(async () => {
      const store = this.ctx.gate.store();
      const id = runRecordId(this.record.task, this.record.run);
      const snapshot = { ...this.record };
      const saved = create
        ? await store.create(TENANT_DEFAULT, TASK_RUN_KIND, id, snapshot)
        : await store.update(TENANT_DEFAULT, TASK_RUN_KIND, id, snapshot, this.version);
      this.version = saved.version;
    });
    this.writes = write.catch(() => undefined);
    return write;
  }
}
