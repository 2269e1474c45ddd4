import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SystemMonitor, type MonitorClock, type SystemMonitorOptions } from './monitor.js';
import type { HostReading } from './sample.js';

const START = Date.parse('2030-01-01T00:00:00.000Z');

/** Vitest's fake time, and a wait that is only recorded. */
function fakeClock(): MonitorClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => Date.now(),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  };
}

/**
 * A host whose CPU is `busy` of its 200 ticks per reading (two cores at
 * 100 ticks/s, read once a second of fake time), with fixed memory and disk.
 */
function syntheticHost() {
  const host = { reads: 0, busy: 0.25, fail: false };
  let idle = 0;
  let total = 0;
  const read = (): Promise<HostReading> => {
    host.reads++;
    if (host.fail) return Promise.reject(new Error('proc is gone'));
    total += 200;
    idle += 200 * (1 - host.busy);
    return Promise.resolve({
      cpu: { idle, total },
      memory: {
        totalBytes: 1000,
        freeBytes: 100,
        availableBytes: 600,
        usedBytes: 400,
        usedPercent: 40,
      },
      disk: {
        path: '/data',
        totalBytes: 2000,
        freeBytes: 500,
        availableBytes: 400,
        usedBytes: 1500,
        usedPercent: 78.9,
      },
      loadAverage1: 0.123,
    });
  };
  return { host, read };
}

describe('SystemMonitor', () => {
  let monitor: SystemMonitor;
  let host: ReturnType<typeof syntheticHost>['host'];
  let clock: ReturnType<typeof fakeClock>;

  const make = (options: Partial<SystemMonitorOptions> = {}): SystemMonitor => {
    const synthetic = syntheticHost();
    host = synthetic.host;
    clock = fakeClock();
    monitor = new SystemMonitor({
      dataDir: '/data',
      intervalSeconds: 10,
      historySize: 5,
      clock,
      read: synthetic.read,
      ...options,
    });
    return monitor;
  };

  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'],
    });
    vi.setSystemTime(START);
  });
  afterEach(() => {
    monitor.stop();
    vi.useRealTimers();
  });

  it('samples at start and then every interval, oldest first', async () => {
    make().start();
    await vi.advanceTimersByTimeAsync(0);
    expect(monitor.enabled).toBe(true);
    // The first sample had nothing to compare against, so it read twice 100 ms apart.
    expect(clock.sleeps).toEqual([100]);
    await vi.advanceTimersByTimeAsync(30_000);
    const history = monitor.history();
    expect(history).toHaveLength(4);
    expect(history.map((s) => s.timestamp)).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2030-01-01T00:00:10.000Z',
      '2030-01-01T00:00:20.000Z',
      '2030-01-01T00:00:30.000Z',
    ]);
    expect(history[1]).toEqual({
      timestamp: '2030-01-01T00:00:10.000Z',
      cpuPercent: 25,
      memoryPercent: 40,
      memoryUsedBytes: 400,
      memoryTotalBytes: 1000,
      diskPercent: 78.9,
      diskUsedBytes: 1500,
      diskTotalBytes: 2000,
      loadAverage1: 0.12,
    });
  });

  it('applies a new interval to the running timer', async () => {
    make().start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(monitor.history()).toHaveLength(2);
    monitor.setInterval(2);
    expect(monitor.intervalSeconds).toBe(2);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(monitor.history()).toHaveLength(5);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('resizes the history live, keeping the newest', async () => {
    make({ intervalSeconds: 1 }).start();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(monitor.history()).toHaveLength(5);
    monitor.setHistorySize(2);
    expect(monitor.history().map((s) => s.timestamp)).toEqual([
      '2030-01-01T00:00:08.000Z',
      '2030-01-01T00:00:09.000Z',
    ]);
    monitor.setHistorySize(4);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(monitor.history()).toHaveLength(4);
    expect(monitor.history().at(-1)?.timestamp).toBe('2030-01-01T00:00:12.000Z');
  });

  it('turns sampling off and on, and stops safely twice', async () => {
    make().start();
    await vi.advanceTimersByTimeAsync(0);
    monitor.setEnabled(false);
    expect(monitor.enabled).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(monitor.history()).toHaveLength(1);
    monitor.start(); // disabled: start does nothing
    expect(vi.getTimerCount()).toBe(0);
    monitor.setEnabled(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(monitor.history()).toHaveLength(3);
    monitor.stop();
    monitor.stop();
    expect(monitor.enabled).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive with its timer', () => {
    const spy = vi.spyOn(globalThis, 'setInterval');
    make().start();
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
  });

  it('keeps the last good samples when a read fails, reports once per failing run, and recovers', async () => {
    const onError = vi.fn();
    make({ onError }).start();
    await vi.advanceTimersByTimeAsync(10_000);
    host.fail = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(monitor.history()).toHaveLength(2);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(monitor.lastError).toBeInstanceOf(Error);
    host.fail = false;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(monitor.history()).toHaveLength(3);
    expect(monitor.lastError).toBeUndefined();
    host.fail = true;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onError).toHaveBeenCalledTimes(2);
  });

  it('answers current() from the previous reading, outside the history', async () => {
    make();
    const first = await monitor.current();
    expect(host.reads).toBe(2); // nothing to compare against: two reads
    expect(first.cpuPercent).toBe(25);
    host.busy = 0.75;
    vi.setSystemTime(Date.now() + 1000);
    const second = await monitor.current();
    expect(host.reads).toBe(3); // the previous reading is reused
    expect(second.cpuPercent).toBe(75);
    expect(second.timestamp).toBe('2030-01-01T00:00:01.000Z');
    expect(monitor.history()).toEqual([]);
    expect(monitor.enabled).toBe(false);
  });

  it('refuses an interval or history size that is not a positive integer', () => {
    make();
    expect(() => {
      monitor.setInterval(0);
    }).toThrow(RangeError);
    expect(() => {
      monitor.setHistorySize(-1);
    }).toThrow(RangeError);
    expect(() => new SystemMonitor({ dataDir: '/', intervalSeconds: 0.5 })).toThrow(RangeError);
  });
});

describe('SystemMonitor on this host', () => {
  it('samples the real CPU, memory and disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cd-monitor-'));
    try {
      const sample = await new SystemMonitor({ dataDir: dir }).current();
      expect(sample.cpuPercent).toBeGreaterThanOrEqual(0);
      expect(sample.cpuPercent).toBeLessThanOrEqual(100);
      expect(sample.memoryTotalBytes).toBeGreaterThan(sample.memoryUsedBytes);
      expect(sample.diskTotalBytes).toBeGreaterThan(0);
      expect(Date.parse(sample.timestamp)).toBeGreaterThan(Date.now() - 5000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
