import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExitInfo, ProcessHandle, ProcessUsage, ProcessRuntime } from '../runtime/index.js';
import { RunningProcess } from './running.js';

const USAGE: ProcessUsage = { pids: [1], cpuPercent: 0, rssBytes: 1, cpuSeconds: 0 };

function handle(pid: number): ProcessHandle {
  return {
    pid,
    startTicks: 1,
    startedAt: new Date(),
    ownChild: true,
    exited: new Promise<ExitInfo>(() => undefined),
  };
}

describe('RunningProcess', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000_123 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('samples every process on one shared beat, however far apart they started', async () => {
    const sampledAt = new Map<number, number[]>();
    const runtime = {
      usage: (pid: number) => {
        sampledAt.set(pid, [...(sampledAt.get(pid) ?? []), Date.now()]);
        return Promise.resolve(USAGE);
      },
    } as unknown as ProcessRuntime;
    const events = {
      exited: () => undefined,
      readiness: () => undefined,
      sampled: () => undefined,
    };
    const first = new RunningProcess(handle(1), runtime, events, 1000);
    await vi.advanceTimersByTimeAsync(1700);
    const second = new RunningProcess(handle(2), runtime, events, 1000);
    await vi.advanceTimersByTimeAsync(3000);
    first.release();
    second.release();
    await vi.advanceTimersByTimeAsync(3000);

    const beats = [1_000_001_000, 1_000_002_000, 1_000_003_000, 1_000_004_000];
    expect(sampledAt.get(1)).toEqual(beats);
    expect(sampledAt.get(2)).toEqual(beats.slice(1));
  });
});
