import {
  CLOCK_TICKS_PER_SECOND,
  collectTree,
  processCpuPercent,
  readPeakRssBytes,
  readProcStat,
  readProcesses,
  readUptimeSeconds,
  round,
  sumUsage,
  type TickReading,
} from '../system/index.js';
import { isEnded } from './group.js';
import type { ProcessUsage } from './types.js';
import type { ProcStat } from '../system/index.js';
import { systemClock } from '../clock.js';

interface Sample extends TickReading {
  startTicks: number;
  cpuPercent: number;
}

/** How long one scan of /proc serves every tree read from it. */
const SNAPSHOT_TTL_MS = 1000;

interface Snapshot {
  atSeconds: number;
  byPid: Map<number, ProcStat>;
  all: ProcStat[];
}

/**
 * CPU and memory of process trees, each CPU % measured since the previous
 * reading of the same tree. Keeps one reading per root pid; `forget` drops it
 * when the process has ended.
 */
/** What one scan of the process table gives: every stat, and when (seconds since boot). */
export interface ProcessTable {
  all: ProcStat[];
  atSeconds: number;
}

export interface UsageBookOptions {
  /** Reads the whole process table; /proc by default. */
  scan?: () => Promise<ProcessTable>;
  /** Milliseconds, for the age of a scan. */
  now?: () => number;
}

async function scanProc(): Promise<ProcessTable> {
  const [all, atSeconds] = await Promise.all([readProcesses(), readUptimeSeconds()]);
  return { all, atSeconds };
}

export class UsageBook {
  readonly #last = new Map<number, Sample>();
  readonly #readTable: () => Promise<ProcessTable>;
  readonly #now: () => number;
  #snapshot: Promise<Snapshot> | null = null;
  #takenAt = 0;

  constructor(options: UsageBookOptions = {}) {
    this.#readTable = options.scan ?? scanProc;
    this.#now = options.now ?? systemClock;
  }

  /**
   * Finding a tree's children means reading every process's stat; with many
   * workloads sampled every few seconds, one scan serves all of them (reads
   * that arrive while a scan runs wait for it) instead of one scan each.
   */
  #scan(): Promise<Snapshot> {
    if (this.#snapshot && this.#now() - this.#takenAt < SNAPSHOT_TTL_MS) return this.#snapshot;
    this.#takenAt = this.#now();
    const next = this.#readTable().then(({ all, atSeconds }) => ({
      atSeconds,
      all,
      byPid: new Map(all.map((stat) => [stat.pid, stat])),
    }));
    this.#snapshot = next;
    next.catch(() => {
      if (this.#snapshot === next) this.#snapshot = null;
    });
    return next;
  }

  /** The tree rooted at `pid` now; null when the root is gone or has ended. */
  async read(pid: number): Promise<ProcessUsage | null> {
    const snapshot = await this.#scan();
    const { atSeconds } = snapshot;
    let tree = collectTree(pid, snapshot.all).flatMap((member) => snapshot.byPid.get(member) ?? []);
    // A process younger than the shared scan is read on its own: a short run is seen at once.
    if (tree.length === 0) {
      const own = await readProcStat(pid);
      if (own !== null) tree = [own];
    }
    const peak = readPeakRssBytes(pid).catch(() => null);
    const root = tree[0];
    if (root === undefined || isEnded(root.state)) {
      this.#last.delete(pid);
      return null;
    }
    const { pids, cpuTicks, rssBytes } = sumUsage(tree);
    const previous = this.#last.get(pid);
    // A first reading, or a pid now used by another process, counts from its start.
    const since: TickReading =
      previous?.startTicks === root.startTicks
        ? previous
        : { ticks: 0, atSeconds: root.startTicks / CLOCK_TICKS_PER_SECOND };
    // Two reads from the same scan have no time between them: repeat the last figure.
    const cpuPercent =
      previous !== undefined &&
      previous.startTicks === root.startTicks &&
      previous.atSeconds === atSeconds
        ? previous.cpuPercent
        : processCpuPercent(since, { ticks: cpuTicks, atSeconds });
    const next: Sample = { ticks: cpuTicks, atSeconds, startTicks: root.startTicks, cpuPercent };
    this.#last.set(pid, next);
    const peakRssBytes = Math.max(rssBytes, (await peak) ?? 0);
    return {
      pids,
      cpuPercent,
      rssBytes,
      peakRssBytes,
      cpuSeconds: round(cpuTicks / CLOCK_TICKS_PER_SECOND, 2),
    };
  }

  forget(pid: number): void {
    this.#last.delete(pid);
  }
}
