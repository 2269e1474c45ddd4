import {
  CLOCK_TICKS_PER_SECOND,
  collectTree,
  processCpuPercent,
  readProcesses,
  readUptimeSeconds,
  round,
  sumUsage,
  type TickReading,
} from '../system/index.js';
import { isEnded } from './group.js';
import type { ProcessUsage } from './types.js';
import type { ProcStat } from '../system/index.js';

interface Sample extends TickReading {
  startTicks: number;
  cpuPercent: number;
}

/** How long one scan of /proc serves every tree read from it. */
const SNAPSHOT_TTL_MS = 1000;

interface Snapshot {
  takenAt: number;
  atSeconds: number;
  byPid: Map<number, ProcStat>;
  all: ProcStat[];
}

/**
 * CPU and memory of process trees, each CPU % measured since the previous
 * reading of the same tree. Keeps one reading per root pid; `forget` drops it
 * when the process has ended.
 */
export class UsageBook {
  readonly #last = new Map<number, Sample>();
  #snapshot: Promise<Snapshot> | null = null;

  /**
   * Finding a tree's children means reading every process's stat; with many
   * workloads sampled every second or so, one scan serves all of them
   * instead of one scan each.
   */
  #scan(): Promise<Snapshot> {
    const current = this.#snapshot;
    if (current) {
      return current.then((snap) =>
        Date.now() - snap.takenAt < SNAPSHOT_TTL_MS ? snap : this.#fresh(),
      );
    }
    return this.#fresh();
  }

  #fresh(): Promise<Snapshot> {
    const next = Promise.all([readProcesses(), readUptimeSeconds()]).then(([all, atSeconds]) => ({
      takenAt: Date.now(),
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
    const tree = collectTree(pid, snapshot.all).flatMap(
      (member) => snapshot.byPid.get(member) ?? [],
    );
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
    return {
      pids,
      cpuPercent,
      rssBytes,
      cpuSeconds: round(cpuTicks / CLOCK_TICKS_PER_SECOND, 2),
    };
  }

  forget(pid: number): void {
    this.#last.delete(pid);
  }
}
