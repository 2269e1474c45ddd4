import { describe, expect, it } from 'vitest';
import type { ProcStat } from '../system/index.js';
import { UsageBook, type ProcessTable } from './usage.js';

function stat(pid: number, ppid: number, cpuTicks: number): ProcStat {
  return { pid, ppid, name: `p${pid}`, state: 'S', cpuTicks, startTicks: 1000, rssPages: 10 };
}

/** A process table that changes on demand, counting how often it is scanned. */
function fakeTable() {
  const table: ProcessTable = {
    all: [stat(1, 0, 0), stat(10, 1, 100), stat(11, 10, 50), stat(20, 1, 300)],
    atSeconds: 20,
  };
  let scans = 0;
  return {
    table,
    scans: () => scans,
    scan: () => {
      scans++;
      return Promise.resolve(structuredClone(table));
    },
  };
}

describe('UsageBook', () => {
  it('serves every tree sampled within a second from one scan of the process table', async () => {
    const fake = fakeTable();
    let now = 0;
    const book = new UsageBook({ scan: fake.scan, now: () => now });
    const [a, b] = await Promise.all([book.read(10), book.read(20)]);
    expect(a?.pids).toEqual([10, 11]);
    expect(b?.pids).toEqual([20]);
    expect(fake.scans()).toBe(1);
    now = 999;
    await book.read(10);
    expect(fake.scans()).toBe(1);
    now = 1000;
    await book.read(10);
    expect(fake.scans()).toBe(2);
  });

  it('measures CPU % between scans, and repeats the last figure for a read from the same scan', async () => {
    const fake = fakeTable();
    let now = 0;
    const book = new UsageBook({ scan: fake.scan, now: () => now });
    await book.read(10);
    fake.table.atSeconds = 22;
    fake.table.all = fake.table.all.map((s) => (s.pid === 11 ? { ...s, cpuTicks: 150 } : s));
    now = 2000;
    const busy = await book.read(10);
    expect(busy?.cpuPercent).toBe(50); // 100 ticks = 1 CPU second over 2 s
    const again = await book.read(10);
    expect(again?.cpuPercent).toBe(50);
  });
});
