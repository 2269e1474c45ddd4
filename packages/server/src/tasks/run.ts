import {
  classifyRun,
  maskSecrets,
  plainEnv,
  secretValues,
  taskCommand,
  type TaskSpec,
} from '@codedance/core';
import { logFiles, pipePath } from '../logs/index.js';
import type { ExitInfo, ProcessHandle } from '../runtime/index.js';
import type { WorkloadContext } from '../workloads/index.js';
import { workloadEnvironment } from '../workloads/index.js';
import type { Clock } from '../clock.js';
import { newRunId, type RunData } from './records.js';
import { RunLog } from './run-log.js';
import type { RunRequest } from './run-queue.js';
import { RunRecord } from './run-record.js';

export interface RunContext extends WorkloadContext {
  /** Seconds a run may take when its task sets no timeout. */
  defaultTimeout: () => number;
  /** Grace between SIGTERM and SIGKILL when a run is stopped or times out. */
  graceMs: number;
  clock: Clock;
}

/** How often a run's memory and CPU are sampled; every 20th sample is persisted. */
const SAMPLE_MS = 250;
/** Extra samples after the start, in milliseconds: most short runs are over before 250 ms. */
const EARLY_SAMPLES_MS = [5, 20, 60, 120] as const;
const SAMPLES_PER_SAVE = 20;

/**
 * One run of a task, from spawn to its final record. The record is written
 * before the process starts (RUNNING) and once when it ends, so a server
 * killed in between finds it and re-adopts the process.
 */
export class TaskRun {
  readonly id: string;
  readonly task: string;
  /** Resolves with the final record once the run has ended and been recorded. */
  readonly finished: Promise<RunData>;
  private readonly record: RunRecord;
  private readonly log: RunLog;
  private handle: ProcessHandle | null = null;
  private timeoutTimer: NodeJS.Timeout | null = null;
  private sampleTimer: NodeJS.Timeout | null = null;
  private earlyTimers: NodeJS.Timeout[] = [];
  private stoppedByUser = false;
  private samples = 0;
  private timedOut = false;
  private timeoutSeconds: number | undefined;
  private resolveFinished!: (data: RunData) => void;

  private constructor(
    private readonly ctx: RunContext,
    data: RunData,
    version: number,
    secrets: () => readonly string[],
  ) {
    this.id = data.run;
    this.task = data.task;
    this.record = new RunRecord(data, version, () => ctx.gate.store(), ctx.logger);
    this.log = new RunLog(ctx.hub, data.logFiles, data.task, data.run, secrets);
    this.finished = new Promise((resolve) => {
      this.resolveFinished = resolve;
    });
  }

  /** Records and spawns a new run. Never throws for a failed spawn: that run ends as EXCEPTION. */
  static async start(ctx: RunContext, spec: TaskSpec, request: RunRequest): Promise<TaskRun> {
    const now = new Date(ctx.clock());
    const run = newRunId(now);
    const { command, args } = taskCommand(spec);
    const data: RunData = {
      task: spec.id,
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
      command: spec.shell ? ['/bin/sh', '-c', [command, ...args].join(' ')] : [command, ...args],
      logFiles: logFiles(ctx.logsDir, { kind: 'task', id: spec.id, run }),
    };
    const taskRun = new TaskRun(ctx, data, 0, () => secretValues(spec.environment));
    await taskRun.record.save();
    await taskRun.spawn(spec);
    return taskRun;
  }

  /**
   * Takes over a run recorded as RUNNING by a previous server process; `secrets` are the
   * values its log must never show (those of its task's environment).
   */
  static async adopt(
    ctx: RunContext,
    data: RunData,
    version: number,
    secrets: () => readonly string[] = () => [],
  ): Promise<TaskRun> {
    const taskRun = new TaskRun(ctx, data, version, secrets);
    const handle =
      data.pid !== null && data.startTicks !== null
        ? await ctx.runtime.adopt(data.pid, data.startTicks)
        : null;
    if (!handle) {
      await taskRun.end({ code: null, signal: null, known: false, at: new Date(ctx.clock()) });
      return taskRun;
    }
    // Reads on from the pipes: what the process wrote meanwhile waited there.
    await taskRun.log.follow();
    taskRun.log.note('INFO', `re-adopted pid ${handle.pid} after a server restart`);
    // An adopted run keeps no timeout: the server that set it is gone.
    taskRun.watch(handle);
    return taskRun;
  }

  data(): RunData {
    return this.record.get();
  }

  private async spawn(spec: TaskSpec): Promise<void> {
    const { ctx } = this;
    const data = this.record.get();
    const [command = '', ...args] = data.command;
    try {
      // The pipes are made and read before the process is given them.
      await this.log.follow();
      // What the run writes waits in its pipe until "started pid" is in the log.
      this.log.hold();
      const handle = await ctx.runtime.spawn({
        command,
        args,
        ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
        env: workloadEnvironment(
          ctx.env,
          {
            CODEDANCE_TASK_ID: spec.id,
            CODEDANCE_RUN_ID: data.run,
            CODEDANCE_ATTEMPT: String(data.attempt),
          },
          plainEnv(spec.environment),
        ),
        stdoutFile: pipePath(data.logFiles.stdout),
        stderrFile: pipePath(data.logFiles.stderr),
      });
      this.log.note(
        'INFO',
        maskSecrets(
          `started pid ${handle.pid}: ${data.command.join(' ')}`,
          secretValues(spec.environment),
        ),
      );
      this.log.resume();
      this.record.patch({ pid: handle.pid, startTicks: handle.startTicks });
      // Sampled at once, before the save: a run of a few milliseconds still has its memory measured.
      this.handle = handle;
      void this.sample();
      await this.record.save();
      this.watch(handle, spec.timeout ?? ctx.defaultTimeout());
    } catch (error) {
      this.log.resume();
      const message = error instanceof Error ? error.message : String(error);
      // end() writes the run's summary ("could not start: …") as its last log line.
      await this.end(null, message);
    }
  }

  private watch(handle: ProcessHandle, timeoutSeconds?: number): void {
    this.handle = handle;
    if (timeoutSeconds !== undefined) {
      this.timeoutSeconds = timeoutSeconds;
      const ranMs = this.ctx.clock() - Date.parse(this.record.get().startedAt);
      this.timeoutTimer = setTimeout(
        () => void this.onTimeout(timeoutSeconds),
        Math.max(0, timeoutSeconds * 1000 - ranMs),
      );
    }
    // Sampled at once and early (a short run is over within milliseconds), then often enough
    // to see brief peaks; persisted far less often (see sample()). /proc's high-water mark
    // keeps a peak that came between two samples.
    void this.sample();
    for (const ms of EARLY_SAMPLES_MS) {
      const timer = setTimeout(() => void this.sample(), ms);
      timer.unref();
      this.earlyTimers.push(timer);
    }
    this.sampleTimer = setInterval(() => void this.sample(), SAMPLE_MS);
    this.sampleTimer.unref();
    void handle.exited.then((exit) => this.end(exit));
  }

  private async onTimeout(seconds: number): Promise<void> {
    if (!this.handle) return;
    this.timedOut = true;
    this.log.note('ERROR', `timed out after ${seconds} s; stopping the process group`);
    await this.ctx.runtime.stop(this.handle.pid, { graceMs: this.ctx.graceMs });
  }

  private async sample(): Promise<void> {
    if (!this.handle) return;
    const usage = await this.ctx.runtime.usage(this.handle.pid).catch(() => null);
    if (!usage) return;
    const data = this.record.get();
    this.record.patch({
      peakRssBytes: Math.max(data.peakRssBytes, usage.peakRssBytes ?? usage.rssBytes),
      cpuSeconds: Math.max(data.cpuSeconds, Math.round(usage.cpuSeconds * 100) / 100),
    });
    // Every few seconds the usage is saved, so a server killed outright loses little of it.
    if (++this.samples % SAMPLES_PER_SAVE === 0) await this.record.save().catch(() => undefined);
  }

  /** Stops the run on a person's request (SIGTERM to the group, then SIGKILL). */
  async stop(): Promise<void> {
    this.stoppedByUser = true;
    if (this.handle) await this.ctx.runtime.stop(this.handle.pid, { graceMs: this.ctx.graceMs });
  }

  /** Lets go of the run without stopping its process (server shutdown): it will be re-adopted. */
  async release(): Promise<void> {
    this.clearTimers();
    // The pipes stay for the next server, which reads on from them; the hub's close stops reading.
    await this.record.save().catch(() => undefined);
  }

  private clearTimers(): void {
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.sampleTimer) clearInterval(this.sampleTimer);
    for (const timer of this.earlyTimers) clearTimeout(timer);
    this.earlyTimers = [];
    this.timeoutTimer = null;
    this.sampleTimer = null;
  }

  private async end(exit: ExitInfo | null, spawnError?: string): Promise<void> {
    this.clearTimers();
    if (this.handle) await this.sample();
    // Everything the run wrote comes before its summary.
    this.log.catchUp();
    const endedAt = exit?.at ?? new Date(this.ctx.clock());
    const outcome = classifyRun({
      ...(spawnError === undefined ? {} : { spawnError }),
      timedOut: this.timedOut,
      stoppedByUser: this.stoppedByUser,
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null,
      exitKnown: exit?.known ?? true,
      ...(this.timeoutSeconds === undefined ? {} : { timeoutSeconds: this.timeoutSeconds }),
    });
    this.log.note(outcome.status === 'SUCCESS' ? 'INFO' : 'ERROR', outcome.summary);
    // The run shows as ended only once every line it wrote has been read: a client that
    // sees it ended and then reads the log finds it complete.
    await this.log.stop();
    this.record.patch({
      status: outcome.status,
      reason: outcome.reason,
      summary: outcome.summary,
      endedAt: endedAt.toISOString(),
      durationMs: Math.max(0, endedAt.getTime() - Date.parse(this.record.get().startedAt)),
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null,
    });
    await this.record.saveFinal();
    this.handle = null;
    this.resolveFinished(this.record.get());
  }
}
