import { CLOCK_TICKS_PER_SECOND } from './proc.js';

/** Rounds to `decimals` places; percentages go out with one. */
export function round(value: number, decimals = 1): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** `part` as a percentage of `whole`, one decimal; 0 when there is no whole. */
export function percentOf(part: number, whole: number): number {
  return whole > 0 ? round((part / whole) * 100) : 0;
}

/** The aggregate `cpu` line of /proc/stat, reduced to what a percentage needs. */
export interface CpuTimes {
  /** idle + iowait ticks. */
  idle: number;
  /** All ticks: user, nice, system, idle, iowait, irq, softirq, steal. */
  total: number;
}

/**
 * Share of CPU time spent busy between two readings of the aggregate line,
 * 0–100 over all cores together. Null when no tick elapsed between them (two
 * readings within one tick), so the caller can keep its last figure.
 */
export function systemCpuPercent(previous: CpuTimes, next: CpuTimes): number | null {
  const total = next.total - previous.total;
  if (total <= 0) return null;
  const busy = total - (next.idle - previous.idle);
  return round(Math.min(100, Math.max(0, (busy / total) * 100)));
}

/** A process's CPU ticks at a moment on the boot clock. */
export interface TickReading {
  ticks: number;
  /** Seconds since boot when the ticks were read. */
  atSeconds: number;
}

/**
 * CPU % of one process (or tree) between two readings: ticks used divided by
 * the ticks the wall time would hold, × 100. Like `top`, 100 means one full
 * core, so a multi-threaded process on an 8-core machine can reach 800. A
 * negative tick delta (a tree whose children exited) counts as 0.
 */
export function processCpuPercent(
  previous: TickReading,
  next: TickReading,
  ticksPerSecond = CLOCK_TICKS_PER_SECOND,
): number {
  const seconds = next.atSeconds - previous.atSeconds;
  if (seconds <= 0) return 0;
  const ticks = Math.max(0, next.ticks - previous.ticks);
  return round((ticks / (seconds * ticksPerSecond)) * 100);
}
