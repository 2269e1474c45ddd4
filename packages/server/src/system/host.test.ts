import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCpuTimes, parseMeminfo, readCpuTimes, readDisk, readMemory } from './host.js';

describe('parseCpuTimes', () => {
  it('counts idle and iowait as idle, and leaves guest time out of the total', () => {
    const text =
      'cpu  100 10 50 800 40 0 5 0 30 0\ncpu0 50 5 25 400 20 0 2 0 15 0\nbtime 1700000000\n';
    expect(parseCpuTimes(text)).toEqual({ idle: 840, total: 1005 });
  });

  it('refuses text with no aggregate line', () => {
    expect(() => parseCpuTimes('cpu0 1 2 3 4\n')).toThrow(/aggregate/);
  });
});

describe('parseMeminfo', () => {
  it('uses total − available as used', () => {
    const memory = parseMeminfo(
      'MemTotal:  1000 kB\nMemFree:  200 kB\nMemAvailable:  600 kB\nCached: 300 kB\n',
    );
    expect(memory).toEqual({
      totalBytes: 1_024_000,
      freeBytes: 204_800,
      availableBytes: 614_400,
      usedBytes: 409_600,
      usedPercent: 40,
    });
  });

  it('estimates available from free, buffers and cache on kernels without MemAvailable', () => {
    const memory = parseMeminfo(
      'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n',
    );
    expect(memory.availableBytes).toBe(400 * 1024);
    expect(memory.usedPercent).toBe(60);
  });
});

describe('reading this host', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cd-host-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads CPU ticks and memory', async () => {
    const cpu = await readCpuTimes();
    expect(cpu.total).toBeGreaterThan(cpu.idle);
    const memory = await readMemory();
    expect(memory.totalBytes).toBeGreaterThan(0);
    expect(memory.usedBytes + memory.availableBytes).toBe(memory.totalBytes);
  });

  it('measures the disk of a folder', async () => {
    const disk = await readDisk(dir);
    expect(disk.path).toBe(dir);
    expect(disk.totalBytes).toBeGreaterThan(0);
    expect(disk.usedBytes).toBe(disk.totalBytes - disk.freeBytes);
    expect(disk.availableBytes).toBeLessThanOrEqual(disk.freeBytes);
    expect(disk.usedPercent).toBeGreaterThanOrEqual(0);
    expect(disk.usedPercent).toBeLessThanOrEqual(100);
  });

  it('measures a data folder not created yet at its nearest existing parent', async () => {
    const disk = await readDisk(join(dir, 'not', 'yet'));
    expect(disk.path).toBe(dir);
  });
});
