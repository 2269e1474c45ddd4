import { describe, expect, it } from 'vitest';
import { percentOf, processCpuPercent, round, systemCpuPercent } from './cpu.js';
import { ProcessCpuBook } from './processes.js';
import type { ProcStat } from './proc.js';

describe('round and percentOf', () => {
  it('rounds percentages to one decimal', () => {
    expect(round(12.345)).toBe(12.3);
    expect(round(0.06)).toBe(0.1);
    expect(percentOf(1, 3)).toBe(33.3);
    expect(percentOf(5, 0)).toBe(0);
  });
});

describe('systemCpuPercent', () => {
  it('is the busy share of the ticks between two readings', () => {
    expect(systemCpuPercent({ idle: 1000, total: 2000 }, { idle: 1300, total: 2400 })).toBe(25);
    expect(systemCpuPercent({ idle: 0, total: 0 }, { idle: 0, total: 300 })).toBe(100);
    expect(systemCpuPercent({ idle: 0, total: 0 }, { idle: 300, total: 300 })).toBe(0);
  });

  it('is null when no tick passed, so a caller keeps its last figure', () => {
    expect(systemCpuPercent({ idle: 5, total: 10 }, { idle: 5, total: 10 })).toBeNull();
  });
});

describe('processCpuPercent', () => {
  it('is ticks used over the ticks the wall time holds', () => {
    // 50 ticks in 2 s at 100 ticks/s: a quarter of one core.
    expect(processCpuPercent({ ticks: 100, atSeconds: 10 }, { ticks: 150, atSeconds: 12 })).toBe(
      25,
    );
  });

  it('passes 100 for a process busy on several cores', () => {
    expect(processCpuPercent({ ticks: 0, atSeconds: 0 }, { ticks: 400, atSeconds: 1 })).toBe(400);
  });

  it('is 0 with no elapsed time or when a tree lost ticks to exited children', () => {
    expect(processCpuPercent({ ticks: 0, atSeconds: 5 }, { ticks: 10, atSeconds: 5 })).toBe(0);
    expect(processCpuPercent({ ticks: 90, atSeconds: 0 }, { ticks: 40, atSeconds: 1 })).toBe(0);
  });

  it('honours another tick rate', () => {
    expect(processCpuPercent({ ticks: 0, atSeconds: 0 }, { ticks: 250, atSeconds: 1 }, 1000)).toBe(
      25,
    );
  });
});

describe('ProcessCpuBook', () => {
  const stat = (pid: number, cpuTicks: number, startTicks = 0): ProcStat => ({
    pid,
    name: 'p',
    state: 'R',
    ppid: 1,
    cpuTicks,
    startTicks,
    rssPages: 1,
  });

  it('reports an unseen process over its lifetime, then since the previous reading', () => {
    const book = new ProcessCpuBook();
    // Started at boot second 100 (10 000 ticks), 50 ticks used by second 110: 5 %.
    expect(book.percent(stat(7, 50, 10_000), 110)).toBe(5);
    book.record([stat(7, 50, 10_000)], 110);
    // Then 150 ticks in the next 2 s: 75 %.
    expect(book.percent(stat(7, 200, 10_000), 112)).toBe(75);
  });

  it('keeps a baseline younger than a second, so quick calls do not jump in whole ticks', () => {
    const book = new ProcessCpuBook();
    book.record([stat(7, 0)], 10);
    book.record([stat(7, 5)], 10.2);
    expect(book.percent(stat(7, 100), 11)).toBe(100);
    book.record([stat(7, 100)], 11);
    expect(book.percent(stat(7, 150), 12)).toBe(50);
  });

  it('does not let a recycled pid inherit the old ticks, and forgets exited processes', () => {
    const book = new ProcessCpuBook();
    book.record([stat(7, 1000, 0), stat(8, 10, 0)], 20);
    // pid 7 is now a different process that started at second 19.
    expect(book.percent(stat(7, 50, 1900), 21)).toBe(25);
    book.record([stat(7, 50, 1900)], 21);
    // pid 8 was not in the last reading, so it counts from its start again.
    expect(book.percent(stat(8, 110, 0), 22)).toBe(5);
  });
});
