import { instanceEnv, type ServiceSpec } from '@codedance/core';
import type {
  ExitInfo,
  ProcessHandle,
  ProcessSpec,
  ProcessUsage,
  ProcessRuntime,
} from '../runtime/index.js';
import { workloadEnvironment } from '../workloads/index.js';
import { ReadinessWatch, type ReadinessOutcome, type ReadinessTarget } from './readiness.js';
import { systemClock, systemDateClock } from '../clock.js';

/**
 * What runs for instance `index` of a service: the definition's command in
 * its folder, the server's environment without Codedance's secrets plus the
 * instance's own (PORT = port + index), output into its two named pipes.
 */
export function instanceProcessSpec(
  spec: ServiceSpec,
  index: number,
  serverEnv: NodeJS.ProcessEnv,
  pipes: { stdout: string; stderr: string },
): ProcessSpec {
  return {
    command: spec.command,
    args: spec.args,
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    env: workloadEnvironment(
      serverEnv,
      { CODEDANCE_SERVICE: spec.name, CODEDANCE_INSTANCE: String(index) },
      instanceEnv(spec, index),
    ),
    ...(spec.shell ? { shell: true } : {}),
    stdoutFile: pipes.stdout,
    stderrFile: pipes.stderr,
  };
}

export interface RunningEvents {
  exited(exit: ExitInfo): void;
  readiness(outcome: ReadinessOutcome): void;
  sampled(usage: ProcessUsage): void;
}

/**
 * One process while this server watches it: its end, its readiness probes
 * and its CPU and memory samples. `release()` lets go of all of them and the
 * process runs on; `terminate()` also stops it.
 */
export class RunningProcess {
  private readiness: ReadinessWatch | null = null;
  private sampler: NodeJS.Timeout | null = null;
  private sampling = false;
  private released = false;
  private usage: ProcessUsage | null = null;

  constructor(
    readonly handle: ProcessHandle,
    private readonly runtime: ProcessRuntime,
    private readonly events: RunningEvents,
    sampleMs: number,
  ) {
    void handle.exited.then((exit) => {
      if (!this.released) events.exited(exit);
    });
    this.scheduleSample(sampleMs);
  }

  /** The last CPU and memory sample; null before the first. */
  lastUsage(): ProcessUsage | null {
    return this.usage;
  }

  watchReadiness(target: ReadinessTarget): void {
    if (this.released) return;
    this.readiness = new ReadinessWatch(target, (outcome) => {
      if (!this.released) this.events.readiness(outcome);
    });
    this.readiness.start();
  }

  /** Stops watching; nothing more is reported. The process is left alone. */
  release(): void {
    this.released = true;
    this.readiness?.stop();
    this.readiness = null;
    if (this.sampler) clearTimeout(this.sampler);
    this.sampler = null;
  }

  /**
   * Signals the process group, SIGKILLs it after `graceMs`, and resolves
   * with its end. Should the runtime fail to stop it, waits a little longer
   * and then reports the end as unknown rather than hanging.
   */
  async terminate(
    signal: NodeJS.Signals,
    graceMs: number,
    onError: (error: unknown) => void,
  ): Promise<ExitInfo> {
    this.release();
    try {
      await this.runtime.stop(this.handle.pid, { signal, graceMs });
      return await this.handle.exited;
    } catch (error) {
      onError(error);
      const unknown: ExitInfo = { code: null, signal: null, known: false, at: systemDateClock() };
      return withDeadline(this.handle.exited, graceMs + 5000, unknown);
    }
  }

  /**
   * Samples on a beat shared by every process (the next multiple of
   * `sampleMs` on the clock), so they all land together and one scan of the
   * process table serves them all, however their starts were spread.
   */
  private scheduleSample(sampleMs: number): void {
    if (this.released) return;
    this.sampler = setTimeout(
      () => {
        this.sampler = null;
        void this.sample();
        this.scheduleSample(sampleMs);
      },
      sampleMs - (systemClock() % sampleMs),
    );
  }

  /** Read through a method: a release can happen while a sample is awaited. */
  private isReleased(): boolean {
    return this.released;
  }

  private async sample(): Promise<void> {
    if (this.sampling || this.released) return;
    this.sampling = true;
    try {
      const usage = await this.runtime.usage(this.handle.pid).catch(() => null);
      if (usage === null || this.isReleased()) return;
      this.usage = usage;
      this.events.sampled(usage);
    } finally {
      this.sampling = false;
    }
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve(fallback);
    }, ms);
    void promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
