import {
  CLOCK_TICKS_PER_SECOND,
  processCpuPercent,
  readProcessTree,
  readUptimeSeconds,
  round,
  sumUsage,
  type TickReading,
} from '../system/index.js';
import { isEnded } from './group.js';
import type { ProcessUsage } from './types.js';

interface Sample extends TickReading {
  startTicks: number;
}

/**
 * CPU and memory of process trees, each CPU % measured since the previous
 * reading of the same tree. Keeps one reading per root pid; `forget` drops it
 * when the process has ended.
 */
export class UsageBook {
  readonly #last = new Map<number, Sample>();

  /** The tree rooted at `pid` now; null when the root is gone or has ended. */
  async read(pid: number): Promise<ProcessUsage | null> {
    const [tree, atSeconds] = await Promise.all([readProcessTree(pid), readUptimeSeconds()]);
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
    const next: Sample = { ticks: cpuTicks, atSeconds, startTicks: root.startTicks };
    this.#last.set(pid, next);
    return {
      pids,
      cpuPercent: processCpuPercent(since, next),
      rssBytes,
      cpuSeconds: round(cpuTicks / CLOCK_TICKS_PER_SECOND, 2),
    };
  }

  forget(pid: number): void {
    this.#last.delete(pid);
  }
}
