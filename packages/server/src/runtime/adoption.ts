import { readProcStat, type ProcStat } from '../system/index.js';
import { isEnded } from './group.js';
import type { ExitInfo } from './types.js';
import { systemDateClock } from '../clock.js';

/**
 * Whether `stat` is still the process identified by `startTicks`. A zombie
 * counts as ended unless this server is its parent (Node is about to reap it
 * and report the real status); a different start time means the pid was reused.
 */
export function isSameLiveProcess(stat: ProcStat | null, startTicks: number): boolean {
  if (stat === null || stat.startTicks !== startTicks) return false;
  return !isEnded(stat.state) || stat.ppid === process.pid;
}

interface Watched {
  startTicks: number;
  exited: Promise<ExitInfo>;
  resolve: (info: ExitInfo) => void;
}

/**
 * Notices when re-adopted processes end. A process that is not our child
 * sends us no exit event, so /proc is polled: one timer for all of them,
 * running only while something is watched and never holding the event loop.
 */
export class AdoptionWatch {
  readonly #intervalMs: number;
  readonly #watched = new Map<number, Watched>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #closed = false;

  constructor(intervalMs = 250) {
    this.#intervalMs = intervalMs;
  }

  /** A promise that resolves (`known: false`) once `pid` has ended; shared by repeated calls. */
  watch(pid: number, startTicks: number): Promise<ExitInfo> {
    if (this.#closed) throw new Error('the runtime is closed; it no longer watches processes');
    const existing = this.#watched.get(pid);
    if (existing?.startTicks === startTicks) return existing.exited;
    // A different start time means the old entry's process is gone: end it now.
    if (existing) this.#settle(pid, existing);
    let resolve: (info: ExitInfo) => void = () => undefined;
    const exited = new Promise<ExitInfo>((done) => (resolve = done));
    this.#watched.set(pid, { startTicks, exited, resolve });
    this.#timer ??= setInterval(() => void this.poll(), this.#intervalMs).unref();
    return exited;
  }

  /** Checks every watched process now (also what the timer runs); never rejects. */
  poll(): Promise<void> {
    this.#polling ??= this.#check().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  /** Stops the timer. Exit promises still pending then stay pending. */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
  }

  async #check(): Promise<void> {
    await Promise.all(
      [...this.#watched].map(async ([pid, entry]) => {
        try {
          if (!isSameLiveProcess(await readProcStat(pid), entry.startTicks)) {
            this.#settle(pid, entry);
          }
        } catch {
          // /proc could not be read this time; the next poll tries again.
        }
      }),
    );
  }

  #settle(pid: number, entry: Watched): void {
    if (this.#watched.get(pid) === entry) this.#watched.delete(pid);
    entry.resolve({ code: null, signal: null, known: false, at: systemDateClock() });
    if (this.#watched.size === 0) this.#stopTimer();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
