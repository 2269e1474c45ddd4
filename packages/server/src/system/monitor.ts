import { setTimeout as delay } from 'node:timers/promises';
import type { CpuTimes } from './cpu.js';
import { listProcesses, ProcessCpuBook, type ListProcessesOptions } from './processes.js';
import { RingBuffer } from './ring-buffer.js';
import { readHost, toMetricSample, type HostReading } from './sample.js';
import type { MetricSample, ProcessList } from '@codedance/api';
import { systemClock } from '../clock.js';

/** The monitor's sense of time: timestamps, and the short wait of a first CPU reading. */
export interface MonitorClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Wall-clock time and real waiting. */
export const SYSTEM_CLOCK: MonitorClock = {
  now: systemClock,
  sleep: (ms) => delay(ms),
};

export interface SystemMonitorOptions {
  /** The data folder; its file system is the disk that is measured. */
  dataDir: string;
  /** Seconds between periodic samples (default 10). */
  intervalSeconds?: number;
  /** How many periodic samples to keep (default 360). */
  historySize?: number;
  /** Whether `start()` begins periodic sampling (default true). */
  enabled?: boolean;
  clock?: MonitorClock;
  /** Takes one raw reading of the host; the real /proc reader unless a test swaps it. */
  read?: (dataDir: string) => Promise<HostReading>;
  /**
   * Told when periodic sampling starts failing: once per run of failed ticks,
   * not every tick. The history keeps its last good sample meanwhile.
   */
  onError?: (error: unknown) => void;
}

/** CPU % needs two readings; with none to compare against, the second comes this much later. */
const FIRST_WINDOW_MS = 100;

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, not ${value}`);
}

/**
 * Samples the host's CPU, memory and disk every `intervalSeconds` into a
 * bounded history, and answers on-demand samples and process listings
 * between ticks. Its owner calls `stop()` on shutdown; the timer is also
 * unref'ed so it never holds the process open by itself.
 */
export class SystemMonitor {
  readonly #dataDir: string;
  readonly #clock: MonitorClock;
  readonly #read: (dataDir: string) => Promise<HostReading>;
  readonly #onError: (error: unknown) => void;
  readonly #history: RingBuffer<MetricSample>;
  readonly #book = new ProcessCpuBook();
  #intervalSeconds: number;
  #enabled: boolean;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #lastCpu: CpuTimes | undefined;
  #lastCpuPercent = 0;
  #lastError: unknown;
  #failing = false;

  constructor(options: SystemMonitorOptions) {
    this.#dataDir = options.dataDir;
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#read = options.read ?? readHost;
    this.#onError = options.onError ?? warn;
    this.#intervalSeconds = options.intervalSeconds ?? 10;
    checkPositiveInteger('intervalSeconds', this.#intervalSeconds);
    this.#history = new RingBuffer(options.historySize ?? 360);
    this.#enabled = options.enabled ?? true;
  }

  /** True while periodic sampling runs. */
  get enabled(): boolean {
    return this.#timer !== undefined;
  }

  get intervalSeconds(): number {
    return this.#intervalSeconds;
  }

  /** Why the last periodic sample failed; undefined once one succeeds again. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Takes a sample now and then every interval, if enabled. Calling it again changes nothing. */
  start(): void {
    if (!this.#enabled || this.#timer !== undefined) return;
    this.#schedule();
    this.#tick();
  }

  /** Stops periodic sampling. Safe to call twice; a sample already under way still lands. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Turns periodic sampling on (starting it) or off (stopping it). */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
    if (enabled) this.start();
    else this.stop();
  }

  /** Changes the interval; a running timer is restarted at the new pace. */
  setInterval(seconds: number): void {
    checkPositiveInteger('intervalSeconds', seconds);
    if (seconds === this.#intervalSeconds) return;
    this.#intervalSeconds = seconds;
    if (this.#timer !== undefined) {
      this.stop();
      this.#schedule();
    }
  }

  /** Changes how many samples are kept; shrinking drops the oldest. */
  setHistorySize(size: number): void {
    checkPositiveInteger('historySize', size);
    this.#history.resize(size);
  }

  /** The periodic samples kept, oldest first. */
  history(): MetricSample[] {
    return this.#history.toArray();
  }

  /**
   * A fresh sample, with CPU % measured since the previous reading (periodic
   * or on demand). It is not added to the history, which stays evenly spaced.
   */
  current(): Promise<MetricSample> {
    return this.#sample();
  }

  /** Lists processes, with CPU % since the previous listing by this monitor. */
  listProcesses(options: ListProcessesOptions): Promise<ProcessList> {
    return listProcesses(options, { book: this.#book, now: () => this.#clock.now() });
  }

  #schedule(): void {
    this.#timer = setInterval(() => {
      this.#tick();
    }, this.#intervalSeconds * 1000);
    this.#timer.unref();
  }

  /** One periodic sample. Never rejects; a slow read still running makes this tick a no-op. */
  #tick(): void {
    if (this.#ticking !== undefined) return;
    this.#ticking = this.#sample()
      .then(
        (sample) => {
          this.#history.push(sample);
          this.#failing = false;
          this.#lastError = undefined;
        },
        (error: unknown) => {
          this.#lastError = error;
          if (this.#failing) return;
          this.#failing = true;
          this.#onError(error);
        },
      )
      .catch(() => undefined) // an onError that throws must not become an unhandled rejection
      .finally(() => {
        this.#ticking = undefined;
      });
  }

  async #sample(): Promise<MetricSample> {
    let previous = this.#lastCpu;
    let reading = await this.#read(this.#dataDir);
    if (previous === undefined) {
      await this.#clock.sleep(FIRST_WINDOW_MS);
      previous = reading.cpu;
      reading = await this.#read(this.#dataDir);
    }
    this.#lastCpu = reading.cpu;
    const sample = toMetricSample(
      previous,
      reading,
      new Date(this.#clock.now()),
      this.#lastCpuPercent,
    );
    this.#lastCpuPercent = sample.cpuPercent;
    return sample;
  }
}

/** Without an owner's logger, a failing monitor still says so once. */
function warn(error: unknown): void {
  process.emitWarning(`System monitoring could not take a sample: ${String(error)}`, {
    code: 'CD_MONITOR_SAMPLE_FAILED',
  });
}
