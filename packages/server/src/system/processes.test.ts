import { afterAll, describe, expect, it } from 'vitest';
import { isCodedanceError } from '@codedance/core';
import { SystemMonitor } from './monitor.js';
import { listProcesses, type ListProcessesOptions } from './processes.js';
import { OwnedChildren, eventually } from './test-support/children.js';

const ALL: ListProcessesOptions = {
  limit: 1000,
  sort: 'cpu',
  order: 'desc',
  maxProcesses: 100_000,
};

describe('listProcesses', () => {
  const children = new OwnedChildren();
  afterAll(() => children.killAll());

  it('shows a CPU-burning child near one full core on a later call', async () => {
    const monitor = new SystemMonitor({ dataDir: '/' });
    const { child, marker } = children.node({ burn: true, seconds: 20 });
    await monitor.listProcesses({ ...ALL, q: marker });
    const burner = await eventually('the burner to show high CPU', async () => {
      const { items } = await monitor.listProcesses({ ...ALL, q: marker });
      const item = items.find((i) => i.pid === child.pid);
      return item !== undefined && item.cpuPercent >= 50 ? item : undefined;
    });
    // Above 100 is possible: Node's helper threads add to the busy main thread.
    expect(burner.cpuPercent).toBeGreaterThanOrEqual(50);
    expect(burner.name).toBe('node');
  });

  it('finds a process by an argv marker, ignoring case, and describes it', async () => {
    const { child, marker } = children.node();
    const list = await eventually('the marked child', async () => {
      const found = await listProcesses({ ...ALL, q: marker.toUpperCase() });
      return found.total === 1 ? found : undefined;
    });
    const [item] = list.items;
    expect(item).toMatchObject({ pid: child.pid, ppid: process.pid, name: 'node' });
    expect(item?.command).toContain(marker);
    expect(item?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(Math.abs(Date.parse(item!.startedAt) - Date.now())).toBeLessThan(30_000);
    expect(Date.parse(list.sampledAt)).toBeLessThanOrEqual(Date.now());
  });

  it('cuts long command lines to 512 characters', async () => {
    const { marker } = children.node({ extraArgs: ['x'.repeat(2000)] });
    const item = await eventually(
      'the long child',
      async () => (await listProcesses({ ...ALL, q: marker })).items[0],
    );
    expect(item.command).toHaveLength(512);
  });

  it('sorts, orders and limits, counting matches before the limit', async () => {
    const byPid = await listProcesses({ ...ALL, sort: 'pid', order: 'asc' });
    const pids = byPid.items.map((i) => i.pid);
    expect(pids).toEqual([...pids].sort((a, b) => a - b));
    const top = await listProcesses({ ...ALL, limit: 2, sort: 'memory', order: 'desc' });
    expect(top.items).toHaveLength(2);
    expect(top.total).toBeGreaterThan(2);
    expect(top.items[0]!.rssBytes).toBeGreaterThanOrEqual(top.items[1]!.rssBytes);
    const names = (await listProcesses({ ...ALL, sort: 'name', order: 'desc' })).items.map(
      (i) => i.name,
    );
    expect(names).toEqual([...names].sort((a, b) => b.localeCompare(a)));
  });

  it('inspects at most maxProcesses processes', async () => {
    const list = await listProcesses({ ...ALL, maxProcesses: 2 });
    expect(list.total).toBeLessThanOrEqual(2);
  });

  it('refuses to run off Linux with CD_UNSUPPORTED_PLATFORM', async () => {
    const real = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { ...real, value: 'darwin' });
    try {
      const error: unknown = await listProcesses(ALL).catch((e: unknown) => e);
      expect(isCodedanceError(error) && error.code).toBe('CD_UNSUPPORTED_PLATFORM');
      expect(isCodedanceError(error) && error.status).toBe(501);
    } finally {
      Object.defineProperty(process, 'platform', real);
    }
  });
});
