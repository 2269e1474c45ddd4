import { readFile, statfs } from 'node:fs/promises';
import { cpus, freemem, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { percentOf, type CpuTimes } from './cpu.js';

/**
 * Parses the aggregate `cpu` line of /proc/stat. guest and guest_nice are
 * left out of the total because the kernel already counts them in user and
 * nice.
 */
export function parseCpuTimes(procStat: string): CpuTimes {
  const line = /^cpu\s+([\d ]+)$/m.exec(procStat)?.[1];
  const ticks = (line ?? '').trim().split(/\s+/).map(Number);
  if (ticks.length < 4 || !ticks.every(Number.isFinite))
    throw new Error('/proc/stat has no aggregate cpu line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    ticks;
  return {
    idle: idle + iowait,
    total: user + nice + system + idle + iowait + irq + softirq + steal,
  };
}

/** Aggregate CPU ticks since boot: /proc/stat on Linux, `os.cpus()` elsewhere. */
export async function readCpuTimes(): Promise<CpuTimes> {
  if (process.platform === 'linux') return parseCpuTimes(await readFile('/proc/stat', 'utf8'));
  let idle = 0;
  let total = 0;
  for (const { times } of cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/** Memory of the whole machine. */
export interface MemoryUsage {
  totalBytes: number;
  freeBytes: number;
  /** What can be given to programs without swapping (free + reclaimable caches). */
  availableBytes: number;
  /** total − available: memory programs really hold, not the page cache. */
  usedBytes: number;
  usedPercent: number;
}

function memoryUsage(totalBytes: number, freeBytes: number, availableBytes: number): MemoryUsage {
  const usedBytes = Math.max(0, totalBytes - availableBytes);
  return {
    totalBytes,
    freeBytes,
    availableBytes,
    usedBytes,
    usedPercent: percentOf(usedBytes, totalBytes),
  };
}

/** Parses /proc/meminfo (values in KiB). */
export function parseMeminfo(text: string): MemoryUsage {
  const kib = new Map<string, number>();
  for (const match of text.matchAll(/^(\w+):\s+(\d+)/gm)) {
    if (match[1] !== undefined) kib.set(match[1], Number(match[2]));
  }
  const field = (name: string): number => (kib.get(name) ?? 0) * 1024;
  const total = field('MemTotal');
  if (total === 0) throw new Error('/proc/meminfo has no MemTotal');
  const free = field('MemFree');
  // Kernels before 3.14 lack MemAvailable; free + buffers + cache is the old estimate.
  const available = kib.has('MemAvailable')
    ? field('MemAvailable')
    : free + field('Buffers') + field('Cached');
  return memoryUsage(total, free, available);
}

/** Machine memory: /proc/meminfo on Linux, `os` elsewhere (where available = free). */
export async function readMemory(): Promise<MemoryUsage> {
  if (process.platform === 'linux') return parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
  return memoryUsage(totalmem(), freemem(), freemem());
}

/** Space on the file system holding a folder. */
export interface DiskUsage {
  /** The folder that was measured (the nearest existing one if the asked folder is missing). */
  path: string;
  totalBytes: number;
  freeBytes: number;
  /** Free space an unprivileged process may use (excludes root's reserve). */
  availableBytes: number;
  usedBytes: number;
  /** used / (used + available), the figure `df` prints. */
  usedPercent: number;
}

/**
 * Measures the file system of `path`. A data folder not created yet is
 * measured at its nearest existing parent, which is where it will live.
 */
export async function readDisk(path: string): Promise<DiskUsage> {
  let at = path;
  for (;;) {
    try {
      const fs = await statfs(at);
      const totalBytes = fs.blocks * fs.bsize;
      const freeBytes = fs.bfree * fs.bsize;
      const availableBytes = fs.bavail * fs.bsize;
      const usedBytes = totalBytes - freeBytes;
      return {
        path: at,
        totalBytes,
        freeBytes,
        availableBytes,
        usedBytes,
        usedPercent: percentOf(usedBytes, usedBytes + availableBytes),
      };
    } catch (error) {
      const parent = dirname(at);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === at) throw error;
      at = parent;
    }
  }
}
