import { loadavg } from 'node:os';
import { round, systemCpuPercent, type CpuTimes } from './cpu.js';
import { readCpuTimes, readDisk, readMemory, type DiskUsage, type MemoryUsage } from './host.js';
import type { MetricSample } from '@codedance/api';

/** One raw look at the host; a sample is made from two of these (for CPU). */
export interface HostReading {
  cpu: CpuTimes;
  memory: MemoryUsage;
  disk: DiskUsage;
  loadAverage1: number;
}

/** Reads CPU ticks, memory, the data folder's disk and the load average. */
export async function readHost(dataDir: string): Promise<HostReading> {
  const [cpu, memory, disk] = await Promise.all([readCpuTimes(), readMemory(), readDisk(dataDir)]);
  return { cpu, memory, disk, loadAverage1: loadavg()[0] ?? 0 };
}

/**
 * Turns a reading into a sample. CPU comes from the tick delta since
 * `previous`; when no tick passed in between, `fallbackCpuPercent` (the
 * last figure) stands in rather than a meaningless 0 or 100.
 */
export function toMetricSample(
  previous: CpuTimes,
  reading: HostReading,
  at: Date,
  fallbackCpuPercent = 0,
): MetricSample {
  return {
    timestamp: at.toISOString(),
    cpuPercent: systemCpuPercent(previous, reading.cpu) ?? fallbackCpuPercent,
    memoryPercent: reading.memory.usedPercent,
    memoryUsedBytes: reading.memory.usedBytes,
    memoryTotalBytes: reading.memory.totalBytes,
    diskPercent: reading.disk.usedPercent,
    diskUsedBytes: reading.disk.usedBytes,
    diskTotalBytes: reading.disk.totalBytes,
    loadAverage1: round(reading.loadAverage1, 2),
  };
}
