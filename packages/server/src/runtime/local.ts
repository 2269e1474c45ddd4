import { readProcStat, processStartedAt, readBootTimeMs } from '../system/index.js';
import { AdoptionWatch, isSameLiveProcess } from './adoption.js';
import { spawnProcess } from './spawn.js';
import { stopGroup, type StopOptions } from './stop.js';
import { UsageBook } from './usage.js';
import type {
  ProcessHandle,
  ProcessSpec,
  ProcessUsage,
  ProcessRuntime,
  StopResult,
} from './types.js';

export interface LocalProcessesOptions {
  /** How often re-adopted processes are checked for their end; 250 ms by default. */
  adoptionPollMs?: number;
}

/**
 * Runs processes on this host. Each one leads its own session
 * and process group and writes to its own files, so it outlives a restart of
 * the server, which finds it again with `adopt`. Linux only (reads /proc).
 */
export class LocalProcesses implements ProcessRuntime {
  readonly #adoption: AdoptionWatch;
  readonly #usage = new UsageBook();

  constructor(options: LocalProcessesOptions = {}) {
    this.#adoption = new AdoptionWatch(options.adoptionPollMs);
  }

  /**
   * Starts `spec`; rejects with a `SpawnError`. `startTicks` is 0 only when
   * the process ended before /proc could be read, so it cannot be adopted.
   */
  async spawn(spec: ProcessSpec): Promise<ProcessHandle> {
    const handle = await spawnProcess(spec);
    this.#forgetOnExit(handle);
    return handle;
  }

  async adopt(pid: number, startTicks: number): Promise<ProcessHandle | null> {
    const stat = await readProcStat(pid);
    if (stat === null || !isSameLiveProcess(stat, startTicks)) return null;
    const handle: ProcessHandle = {
      pid,
      startTicks,
      startedAt: processStartedAt(stat, await readBootTimeMs()),
      ownChild: false,
      exited: this.#adoption.watch(pid, startTicks),
    };
    this.#forgetOnExit(handle);
    return handle;
  }

  /** Rejects with a `RangeError` for pid ≤ 1 or the server's own group. */
  async stop(pid: number, options: StopOptions = {}): Promise<StopResult> {
    const result = await stopGroup(pid, options);
    // An adopted process sends no exit event; report its end without waiting for the next poll.
    await this.#adoption.poll();
    return result;
  }

  usage(pid: number): Promise<ProcessUsage | null> {
    return this.#usage.read(pid);
  }

  close(): void {
    this.#adoption.close();
  }

  #forgetOnExit(handle: ProcessHandle): void {
    void handle.exited.then(() => {
      this.#usage.forget(handle.pid);
    });
  }
}
