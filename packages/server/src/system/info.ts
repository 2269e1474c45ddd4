import { arch, cpus, hostname, loadavg, platform, release, uptime } from 'node:os';
import { round } from './cpu.js';
import { readDisk, readMemory } from './host.js';
import type { SystemInfo } from '@codedance/api';

/**
 * Describes the host and this server process: OS, CPUs, memory, the disk
 * holding `dataDir`, and the server's own memory and uptime.
 */
export async function readSystemInfo(dataDir: string): Promise<SystemInfo> {
  const [memory, disk] = await Promise.all([readMemory(), readDisk(dataDir)]);
  const cores = cpus();
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  const own = process.memoryUsage();
  return {
    hostname: hostname(),
    platform: platform(),
    release: release(),
    arch: arch(),
    uptimeSeconds: Math.floor(uptime()),
    node: process.version,
    cpus: {
      count: cores.length,
      model: cores[0]?.model.trim() ?? 'unknown',
      speedMHz: cores[0]?.speed ?? 0,
      loadAverage: [round(one, 2), round(five, 2), round(fifteen, 2)],
    },
    memory,
    disk: {
      path: disk.path,
      totalBytes: disk.totalBytes,
      freeBytes: disk.freeBytes,
      availableBytes: disk.availableBytes,
      usedPercent: disk.usedPercent,
    },
    process: {
      pid: process.pid,
      rssBytes: own.rss,
      heapUsedBytes: own.heapUsed,
      uptimeSeconds: Math.floor(process.uptime()),
    },
  };
}
