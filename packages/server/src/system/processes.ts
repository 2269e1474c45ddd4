import { CodedanceError } from '@codedance/core';
import { processCpuPercent, type TickReading } from './cpu.js';
import {
  CLOCK_TICKS_PER_SECOND,
  pageSizeBytes,
  processStartedAt,
  readBootTimeMs,
  readProcesses,
  readUptimeSeconds,
  type ProcRecord,
  type ProcStat,
} from './proc.js';
import type { ProcessItem, ProcessList, ProcessSort, SortOrder } from '@codedance/api';
import { systemClock } from '../clock.js';

/** What to list. */
export interface ListProcessesOptions {
  /** How many items to return after filtering and sorting. */
  limit: number;
  sort: ProcessSort;
  order: SortOrder;
  /** Keep processes whose name or command contains this, ignoring case. */
  q?: string | undefined;
  /** Inspect at most this many processes (lowest pids first); bounds the cost on busy hosts. */
  maxProcesses: number;
}

/** A reading younger than this is kept as the baseline: shorter windows make CPU % jump in whole ticks. */
const MIN_WINDOW_SECONDS = 1;

/**
 * Each process's CPU ticks at the previous listing, so the next listing can
 * say how busy it was since. Processes are told apart by pid and start
 * time, so a recycled pid does not inherit another process's ticks.
 */
export class ProcessCpuBook {
  #readings = new Map<number, TickReading & { startTicks: number }>();

  /**
   * CPU % of a process since its recorded reading; for a process not seen
   * before, since it started (its lifetime average, as `ps` shows). 100 is
   * one full core.
   */
  percent(stat: ProcStat, uptimeSeconds: number): number {
    const seen = this.#readings.get(stat.pid);
    const previous =
      seen?.startTicks === stat.startTicks
        ? seen
        : { ticks: 0, atSeconds: stat.startTicks / CLOCK_TICKS_PER_SECOND };
    return processCpuPercent(previous, { ticks: stat.cpuTicks, atSeconds: uptimeSeconds });
  }

  /** Remembers these processes' ticks and forgets every process not among them. */
  record(stats: readonly ProcStat[], uptimeSeconds: number): void {
    const next = new Map<number, TickReading & { startTicks: number }>();
    for (const stat of stats) {
      const seen = this.#readings.get(stat.pid);
      const keep =
        seen?.startTicks === stat.startTicks && uptimeSeconds - seen.atSeconds < MIN_WINDOW_SECONDS;
      next.set(
        stat.pid,
        keep
          ? seen
          : { ticks: stat.cpuTicks, atSeconds: uptimeSeconds, startTicks: stat.startTicks },
      );
    }
    this.#readings = next;
  }
}

const COMMAND_MAX_CHARS = 512;

function commandOf(record: ProcRecord): string {
  const argv = record.argv ?? [];
  // Kernel threads and zombies have no argv; show the name in brackets, as ps does.
  const command = argv.length === 0 ? `[${record.name}]` : argv.join(' ');
  return command.length > COMMAND_MAX_CHARS ? command.slice(0, COMMAND_MAX_CHARS) : command;
}

const COMPARE: Record<ProcessSort, (a: ProcessItem, b: ProcessItem) => number> = {
  cpu: (a, b) => a.cpuPercent - b.cpuPercent,
  memory: (a, b) => a.rssBytes - b.rssBytes,
  pid: (a, b) => a.pid - b.pid,
  name: (a, b) => a.name.localeCompare(b.name),
};

/** Sorts in place; ties fall back to ascending pid so pages are stable. */
function sortItems(items: ProcessItem[], sort: ProcessSort, order: SortOrder): ProcessItem[] {
  const direction = order === 'asc' ? 1 : -1;
  return items.sort((a, b) => direction * COMPARE[sort](a, b) || a.pid - b.pid);
}

function matches(item: ProcessItem, needle: string): boolean {
  return item.name.toLowerCase().includes(needle) || item.command.toLowerCase().includes(needle);
}

/** What a listing may share with earlier ones: the tick book and the clock for `sampledAt`. */
export interface ListProcessesContext {
  book?: ProcessCpuBook;
  now?: () => number;
}

/**
 * Lists the host's processes from /proc, filtered, sorted and cut to
 * `limit`. CPU % is measured since the previous listing that shared `book`
 * (see {@link ProcessCpuBook}). Throws CD_UNSUPPORTED_PLATFORM off Linux.
 */
export async function listProcesses(
  options: ListProcessesOptions,
  context: ListProcessesContext = {},
): Promise<ProcessList> {
  if (process.platform !== 'linux') {
    throw new CodedanceError('CD_UNSUPPORTED_PLATFORM', {
      message: `Listing processes reads /proc, which only Linux has; this server runs on ${process.platform}.`,
      details: { platform: process.platform },
    });
  }
  const book = context.book ?? new ProcessCpuBook();
  const sampledAt = new Date((context.now ?? systemClock)());
  const [records, bootMs] = await Promise.all([
    readProcesses({ limit: options.maxProcesses, cmdline: true }),
    readBootTimeMs(),
  ]);
  const uptime = await readUptimeSeconds();
  const page = pageSizeBytes();
  const items = records.map((record): ProcessItem => ({
    pid: record.pid,
    ppid: record.ppid,
    name: record.name,
    command: commandOf(record),
    state: record.state,
    cpuPercent: book.percent(record, uptime),
    rssBytes: record.rssPages * page,
    startedAt: processStartedAt(record, bootMs).toISOString(),
  }));
  book.record(records, uptime);
  const needle = options.q?.toLowerCase() ?? '';
  const kept = needle === '' ? items : items.filter((item) => matches(item, needle));
  return {
    total: kept.length,
    sampledAt: sampledAt.toISOString(),
    items: sortItems(kept, options.sort, options.order).slice(0, options.limit),
  };
}
