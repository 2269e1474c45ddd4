import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { OwnedChildren, eventually } from './test-support/children.js';
import {
  collectTree,
  parseCmdline,
  parseStatLine,
  processStartedAt,
  readBootTimeMs,
  readProcStat,
  readProcessTree,
  readProcesses,
  sumUsage,
} from './proc.js';

/** A stat line as the kernel writes it, with fields 3..24 after the name. */
function statLine(
  pid: number,
  name: string,
  { ppid = 1, utime = 7, stime = 3, start = 5000, rss = 250 } = {},
): string {
  const tail = [
    'S',
    ppid,
    pid,
    pid,
    0,
    -1,
    4194560,
    100,
    0,
    0,
    0,
    utime,
    stime,
    0,
    0,
    20,
    0,
    1,
    0,
    start,
    123456,
    rss,
  ];
  return `${pid} (${name}) ${tail.join(' ')} 18446744073709551615 1 1 0 0 0 0 0\n`;
}

describe('parseStatLine', () => {
  it('reads pid, name, state, ppid, ticks, start and rss', () => {
    expect(
      parseStatLine(
        statLine(42, 'node', { ppid: 7, utime: 120, stime: 30, start: 9001, rss: 4096 }),
      ),
    ).toEqual({
      pid: 42,
      name: 'node',
      state: 'S',
      ppid: 7,
      cpuTicks: 150,
      startTicks: 9001,
      rssPages: 4096,
    });
  });

  it.each([
    ['a) b', 'a parenthesis and a space'],
    ['(a) b)', 'a name that ends in )'],
    ['x) S 1 2 3 (', 'a name that looks like fields'],
    ['with  spaces ', 'spaces, doubled and trailing'],
    ['', 'an empty name'],
    ['line\nbreak', 'a newline'],
  ])('keeps a name with %j (%s) whole and the fields right', (name) => {
    const stat = parseStatLine(
      statLine(77, name, { ppid: 3, utime: 1, stime: 2, start: 10, rss: 9 }),
    );
    expect(stat).toMatchObject({
      pid: 77,
      name,
      state: 'S',
      ppid: 3,
      cpuTicks: 3,
      startTicks: 10,
      rssPages: 9,
    });
  });

  it('answers null for text that is not a stat line', () => {
    expect(parseStatLine('')).toBeNull();
    expect(parseStatLine('12 no parens S 1')).toBeNull();
    expect(parseStatLine('12 (short) S 1 2')).toBeNull();
  });

  it('parses this very process from /proc', async () => {
    const stat = await readProcStat(process.pid);
    expect(stat).toMatchObject({ pid: process.pid, ppid: process.ppid });
    const bootMs = await readBootTimeMs();
    const startedAt = processStartedAt(stat!, bootMs).getTime();
    // The kernel and Node count the start a little apart; a couple of seconds covers it.
    expect(Math.abs(startedAt - (Date.now() - process.uptime() * 1000))).toBeLessThan(2000);
  });

  it('never dates a process before it was started: the boot time is not cut to the second', async () => {
    const asked = Date.now();
    const child = spawn('sleep', ['5']);
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const stat = await readProcStat(child.pid!);
      const startedAt = processStartedAt(stat!, await readBootTimeMs()).getTime();
      // Start times are counted in ticks of 10 ms, and so is /proc/uptime: two ticks of slack.
      expect(startedAt).toBeGreaterThanOrEqual(asked - 20);
      expect(startedAt).toBeLessThanOrEqual(Date.now() + 20);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('parseCmdline', () => {
  it('splits on NUL and drops the trailing terminator', () => {
    expect(parseCmdline('node\u0000-e\u0000a b\u0000')).toEqual(['node', '-e', 'a b']);
    expect(parseCmdline('')).toEqual([]);
    expect(parseCmdline('nginx: worker process')).toEqual(['nginx: worker process']);
  });
});

describe('collectTree', () => {
  const table = [
    { pid: 1, ppid: 0 },
    { pid: 10, ppid: 1 },
    { pid: 11, ppid: 10 },
    { pid: 12, ppid: 10 },
    { pid: 13, ppid: 11 },
    { pid: 20, ppid: 1 },
  ];

  it('gives the root and every descendant, root first', () => {
    expect(collectTree(10, table)).toEqual([10, 11, 12, 13]);
    expect(collectTree(13, table)).toEqual([13]);
  });

  it('gives nothing for a root that is not running', () => {
    expect(collectTree(99, table)).toEqual([]);
  });
});

describe('reading /proc', () => {
  const children = new OwnedChildren();
  afterAll(() => children.killAll());

  it('finds a real process tree and sums its usage', async () => {
    const shell = children.shell('sleep 30 & sleep 30 & wait');
    const root = shell.pid!;
    const tree = await eventually('both sleeps to start', async () => {
      const stats = await readProcessTree(root);
      return stats.filter((s) => s.name === 'sleep').length === 2 ? stats : undefined;
    });
    expect(tree[0]?.pid).toBe(root);
    expect(tree).toHaveLength(3);
    for (const sleep of tree.slice(1)) expect(sleep.ppid).toBe(root);

    const usage = sumUsage(await readProcessTree(root));
    expect(usage.pids.sort()).toEqual(tree.map((s) => s.pid).sort());
    expect(usage.rssBytes).toBeGreaterThan(0);
    expect(usage.cpuTicks).toBeGreaterThanOrEqual(0);
  });

  it('skips a process that is gone, without an error', async () => {
    const { child } = children.node({ seconds: 0 });
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    expect(await readProcStat(pid)).toBeNull();
    expect(await readProcessTree(pid)).toEqual([]);
  });

  it('inspects at most the asked number of processes, with their argv', async () => {
    const some = await readProcesses({ limit: 3, cmdline: true });
    expect(some.length).toBeLessThanOrEqual(3);
    expect(some.map((p) => p.pid)).toEqual([...some.map((p) => p.pid)].sort((a, b) => a - b));
    const all = await readProcesses({ cmdline: true });
    const mine = all.find((p) => p.pid === process.pid);
    expect(mine?.argv).toContain(process.argv[1]);
  });
});
