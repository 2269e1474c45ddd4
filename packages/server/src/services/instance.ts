import { formatByteSize, maxMemoryBytes, secretValues, type InstanceState } from '@codedance/core';
import type { ExitInfo, ProcessHandle, ProcessUsage } from '../runtime/index.js';
import type { StoredRecord } from '../store/index.js';
import { describeExit, planAfterExit, planMemoryRestart, withExit } from './exits.js';
import { InstanceLog } from './instance-log.js';
import type { ReadinessOutcome } from './readiness.js';
import type { InstanceContext } from './context.js';
import { InstanceRecord } from './instance-record.js';
import { newInstanceData, type DesiredState, type InstanceData } from './records.js';
import { resumeStep } from './resume.js';
import { RunningProcess, instanceProcessSpec } from './running.js';

/**
 * One instance of a service: its process, readiness, restarts and record.
 * Every action runs in order on one queue, so an exit, a readiness result
 * and a person's stop never interleave. The record is written before each
 * action takes effect, so a new server finds the instance where it was.
 */
export class ServiceInstance {
  readonly service: string;
  readonly index: number;
  private readonly rec: InstanceRecord;
  private readonly log: InstanceLog;
  private running: RunningProcess | null = null;
  private memoryRestartPending = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private ops: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly ctx: InstanceContext,
    record: InstanceData,
    version: number,
  ) {
    this.service = record.service;
    this.index = record.instance;
    this.rec = new InstanceRecord(record, version, ctx.gate, (previous) => {
      ctx.changed(this, previous);
    });
    this.log = new InstanceLog(
      ctx.hub,
      ctx.logsDir,
      { kind: 'service', id: this.service, instance: this.index },
      () => secretValues(ctx.current(this.service)?.spec.env),
      () => ctx.current(this.service)?.spec,
    );
  }

  /** Writes the record of a new instance; nothing runs yet. */
  static async create(
    ctx: InstanceContext,
    service: string,
    index: number,
    desired: DesiredState,
    generation: number,
  ): Promise<ServiceInstance> {
    const instance = new ServiceInstance(
      ctx,
      newInstanceData(service, index, desired, generation),
      0,
    );
    await instance.rec.save();
    return instance;
  }

  static load(ctx: InstanceContext, record: StoredRecord<InstanceData>): ServiceInstance {
    return new ServiceInstance(ctx, record.data, record.version);
  }

  data(): InstanceData {
    return this.rec.get();
  }

  /** The last CPU and memory sample of the running process. */
  lastUsage(): ProcessUsage | null {
    return this.running?.lastUsage() ?? null;
  }

  /** Writes a line of Codedance's own into this instance's log. */
  note(level: 'INFO' | 'WARNING' | 'ERROR', line: string): void {
    this.log.note(level, line);
  }

  /** After a server restart: re-adopts the process, or does what the record says was due. */
  resume(): Promise<void> {
    return this.enqueue(() => this.doResume());
  }

  /** A person's start: runs the instance, forgetting earlier crashes. */
  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  /** Stops the process gracefully and keeps it stopped (also across server restarts). */
  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  /** Replaces the process with a new one from the current definition; resolves once it is spawned. */
  restart(reason: string): Promise<void> {
    return this.enqueue(() => this.doRestart(reason));
  }

  /** Marks the instance wanted or not, without acting on it (a rolling restart will). */
  want(desired: DesiredState): Promise<void> {
    return this.enqueue(async () => {
      if (this.rec.get().desired === desired) return;
      this.rec.patch({ desired });
      await this.rec.save();
    });
  }

  /** Resolves with the state once the instance is ready, or clearly will not be soon. */
  settled(): Promise<InstanceState> {
    return this.closed ? Promise.resolve(this.rec.get().state) : this.rec.settled();
  }

  /**
   * Stops the process without changing what is wanted (`codedance kill`): an instance that
   * should run is left "stopping" without a pid, which the next server starts again.
   */
  halt(): Promise<void> {
    return this.enqueue(async () => {
      this.clearRestartTimer();
      if (!this.running) return;
      await this.rec.setState('stopping');
      const exit = await this.terminate();
      this.rec.replace(withExit(this.rec.get(), exit, false));
      this.note('INFO', `stopped with the server (${describeExit(exit)}); it starts with the next`);
      await this.rec.save();
    });
  }

  /** Lets go without stopping the process (server shutdown): the next server re-adopts it. */
  async close(): Promise<void> {
    this.closed = true;
    this.clearRestartTimer();
    this.running?.release();
    this.running = null;
    this.rec.wake();
    await this.ops;
    // With a process running, its pipes stay: the hub's close stops reading them, and the next
    // server reads on from there.
    if (this.rec.get().pid === null) {
      await this.log.detach().catch((error: unknown) => {
        this.ctx.logger.warn(
          { err: error, service: this.service, instance: this.index },
          'closing the log failed',
        );
      });
    }
  }

  /** Deletes the record; call after `stop()` and `close()`. */
  deleteRecord(): Promise<void> {
    return this.rec.delete();
  }

  // ---- actions, run one at a time

  private enqueue(action: () => Promise<void>): Promise<void> {
    const run = this.ops.then(() => (this.closed ? undefined : action()));
    this.ops = run.catch(() => undefined);
    return run;
  }

  /** For actions nobody awaits (timers, exits, probes): failures are logged. */
  private background(action: () => Promise<void>): void {
    this.enqueue(action).catch((error: unknown) => {
      this.ctx.logger.error(
        { err: error, service: this.service, instance: this.index },
        'a service instance action failed',
      );
    });
  }

  private async doResume(): Promise<void> {
    const r = this.rec.get();
    const handle =
      r.pid !== null && r.startTicks !== null
        ? await this.ctx.runtime.adopt(r.pid, r.startTicks)
        : null;
    const step = resumeStep(r, handle !== null);
    if (step !== 'none' && step !== 'settle-stopped') await this.attachLog();
    if (handle) {
      this.note('INFO', `re-adopted pid ${handle.pid} after a server restart`);
      this.watch(handle, r.state === 'online', null);
    }
    switch (step) {
      case 'finish-stop':
        return this.doStop();
      case 'finish-restart':
        return this.doRestart('resumed after a server restart');
      case 'settle-stopped':
        return this.rec.setState('stopped', { pid: null, startTicks: null });
      case 'lost':
        this.note('WARNING', `pid ${r.pid ?? '?'} ended while Codedance was not running`);
        return this.afterExit({
          code: null,
          signal: null,
          known: false,
          at: new Date(this.ctx.clock()),
        });
      case 'backoff': {
        const due = r.nextRestartAt === null ? 0 : Date.parse(r.nextRestartAt) - this.ctx.clock();
        this.armRestart(Math.max(0, due));
        return;
      }
      case 'spawn':
        return this.spawn();
      case 'watch':
      case 'none':
        return;
    }
  }

  private async doStart(): Promise<void> {
    this.clearRestartTimer();
    this.rec.patch({ desired: 'running', recentRestarts: [], lastDelayMs: null, reason: null });
    if (this.running) await this.rec.save();
    else await this.spawn();
  }

  private async doStop(): Promise<void> {
    this.clearRestartTimer();
    this.rec.patch({ desired: 'stopped', nextRestartAt: null });
    if (this.running) {
      // Recorded before signalling, so a server killed mid-stop does not bring it back.
      await this.rec.setState('stopping');
      const exit = await this.terminate();
      this.rec.replace(withExit(this.rec.get(), exit, false));
      this.note('INFO', `stopped (${describeExit(exit)})`);
    }
    await this.rec.setState('stopped', { reason: 'stopped by a person' });
    await this.detachLog();
  }

  private async doRestart(reason: string): Promise<void> {
    this.clearRestartTimer();
    this.rec.patch({
      desired: 'running',
      nextRestartAt: null,
      recentRestarts: [],
      lastDelayMs: null,
    });
    if (this.running) {
      await this.rec.setState('stopping');
      const exit = await this.terminate();
      this.rec.replace(withExit(this.rec.get(), exit, false));
      this.note('INFO', `stopped for a restart (${reason}): ${describeExit(exit)}`);
    }
    await this.spawn();
  }

  private async doMemoryRestart(
    running: RunningProcess,
    rssBytes: number,
    limit: number,
  ): Promise<void> {
    this.memoryRestartPending = false;
    const current = this.ctx.current(this.service);
    if (this.running !== running || !current || this.rec.get().state === 'stopping') return;
    this.note(
      'WARNING',
      `memory ${formatByteSize(rssBytes)} is above max_memory ${formatByteSize(limit)}; restarting`,
    );
    const plan = planMemoryRestart(this.rec.get(), current.spec, this.ctx.clock());
    this.rec.replace(plan.record);
    await this.rec.setState('stopping');
    this.ctx.restarted(this, 'memory', 0);
    this.rec.replace(withExit(this.rec.get(), await this.terminate(), true));
    if (plan.crashloop === null) {
      await this.spawn();
      return;
    }
    this.note('ERROR', `crash loop: ${plan.crashloop}`);
    await this.rec.setState('crashloop', { reason: plan.crashloop });
  }

  private async onExit(running: RunningProcess, exit: ExitInfo): Promise<void> {
    // Not the current process: this supervisor stopped it and has already dealt with its end.
    if (this.running !== running) return;
    running.release();
    this.running = null;
    this.log.catchUp();
    await this.afterExit(exit);
  }

  /** The process ended by itself: note it and apply the restart policy. */
  private async afterExit(exit: ExitInfo): Promise<void> {
    const failed = !exit.known || exit.signal !== null || exit.code !== 0;
    this.note(failed ? 'ERROR' : 'INFO', `pid ${this.rec.get().pid ?? '?'} ${describeExit(exit)}`);
    const current = this.ctx.current(this.service);
    if (!current || this.rec.get().desired === 'stopped') {
      this.rec.replace(withExit(this.rec.get(), exit, true));
      await this.rec.setState('stopped');
      return;
    }
    const plan = planAfterExit(
      this.rec.get(),
      exit,
      current.spec,
      this.ctx.clock(),
      this.ctx.random,
    );
    const { state, ...rest } = plan.record;
    this.rec.replace({ ...rest, state: this.rec.get().state });
    if (plan.action === 'restart') {
      this.note('WARNING', `restarting in ${formatDelay(plan.delayMs)} (restart ${rest.restarts})`);
      await this.rec.setState(state);
      this.ctx.restarted(this, describeExit(exit), plan.delayMs);
      this.armRestart(plan.delayMs);
    } else if (plan.action === 'crashloop') {
      const codes = rest.lastExitCodes.map((c) => String(c ?? '?')).join(', ');
      this.note('ERROR', `crash loop: ${plan.reason} (last exit codes: ${codes})`);
      await this.rec.setState(state);
    } else {
      this.note('INFO', `not restarting: ${plan.reason}`);
      await this.rec.setState(state);
    }
  }

  private async onReadiness(running: RunningProcess, outcome: ReadinessOutcome): Promise<void> {
    if (this.running !== running) return;
    const { state } = this.rec.get();
    if (outcome.ready && (state === 'starting' || state === 'unready')) {
      this.note('INFO', outcome.detail);
      await this.rec.setState('online', { readyAt: new Date(this.ctx.clock()).toISOString() });
    } else if (!outcome.ready && state === 'starting') {
      this.note('WARNING', outcome.detail);
      await this.rec.setState('unready');
    }
  }

  // ---- the process

  private async spawn(): Promise<void> {
    const current = this.ctx.current(this.service);
    if (!current) {
      await this.rec.setState('stopped');
      return;
    }
    const { spec, generation } = current;
    await this.attachLog();
    await this.rec.setState('starting', {
      generation,
      pid: null,
      startTicks: null,
      startedAt: new Date(this.ctx.clock()).toISOString(),
      readyAt: null,
      nextRestartAt: null,
      reason: null,
    });
    const since = this.ctx.hub.lastSeq;
    let handle: ProcessHandle;
    // What the process writes waits in its pipe until its start is in the log.
    this.log.hold();
    try {
      try {
        handle = await this.ctx.runtime.spawn(
          instanceProcessSpec(spec, this.index, this.ctx.env, this.log.pipes),
        );
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.note('ERROR', `could not start: ${message}`);
        await this.rec.setState('errored', { reason: message });
        return;
      }
      this.note(
        'INFO',
        `started pid ${handle.pid}: ${spec.shell ? spec.command : [spec.command, ...spec.args].join(' ')}`,
      );
    } finally {
      this.log.resume();
    }
    this.rec.patch({ startTicks: handle.startTicks, startedAt: handle.startedAt.toISOString() });
    await this.rec.setState('starting', { pid: handle.pid });
    this.watch(handle, false, since);
  }

  /** `since`: the log seq before the process started, so a readiness line it wrote at once counts. */
  private watch(handle: ProcessHandle, ready: boolean, since: number | null): void {
    const running: RunningProcess = new RunningProcess(
      handle,
      this.ctx.runtime,
      {
        exited: (exit) => {
          this.background(() => this.onExit(running, exit));
        },
        readiness: (outcome) => {
          this.background(() => this.onReadiness(running, outcome));
        },
        sampled: (usage) => {
          this.onSample(running, usage);
        },
      },
      this.ctx.sampleMs,
    );
    this.running = running;
    const current = this.ctx.current(this.service);
    if (this.closed) running.release();
    else if (!ready && current) {
      running.watchReadiness({
        spec: current.spec,
        instance: this.index,
        startedAtMs: handle.startedAt.getTime(),
        clock: this.ctx.clock,
        lines: (listener) => this.ctx.lines(this.log.source, since, listener),
      });
    }
  }

  private onSample(running: RunningProcess, usage: ProcessUsage): void {
    const current = this.ctx.current(this.service);
    const limit = current ? maxMemoryBytes(current.spec) : null;
    if (limit !== null && usage.rssBytes > limit && !this.memoryRestartPending) {
      this.memoryRestartPending = true;
      this.background(() => this.doMemoryRestart(running, usage.rssBytes, limit));
    }
  }

  /** Stops the current process as the definition says, and resolves with its end. */
  private terminate(): Promise<ExitInfo> {
    const running = this.running;
    if (!running) return Promise.reject(new Error('no process to stop'));
    this.running = null;
    const spec = this.ctx.current(this.service)?.spec;
    return running
      .terminate(spec?.stop_signal ?? 'SIGTERM', spec?.stop_timeout_ms ?? 5000, (error) => {
        this.ctx.logger.error(
          { err: error, service: this.service, instance: this.index, pid: running.handle.pid },
          'stopping an instance failed',
        );
      })
      .then((exit) => {
        // Its last words come before the line saying it stopped.
        this.log.catchUp();
        return exit;
      });
  }

  private armRestart(delayMs: number): void {
    this.clearRestartTimer();
    if (this.closed) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.background(async () => {
        if (this.rec.get().state === 'backoff' && this.rec.get().desired === 'running')
          await this.spawn();
      });
    }, delayMs);
  }

  private clearRestartTimer(): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
  }

  // ---- logs and the record

  private attachLog(): Promise<void> {
    return this.log.attach();
  }

  private detachLog(): Promise<void> {
    return this.log.detach();
  }
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}
