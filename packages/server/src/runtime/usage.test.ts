import { describe, expect, it } from 'vitest';
import { eventually } from '../system/test-support/children.js';
import { useWorkloads } from './test-support/workloads.js';

const work = useWorkloads();

describe('LocalProcesses.usage', () => {
  it('measures the CPU and memory of the whole tree', async () => {
    // The parent sleeps; only its child burns CPU, so a figure above 50 % proves the tree is summed.
    const burner = 'const end = Date.now() + 20_000; while (Date.now() < end) {}';
    const script = `require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(burner)}], { stdio: 'ignore' }); setInterval(() => {}, 1000)`;
    const handle = await work.spawn(await work.node(script));

    const first = await eventually('the child to appear', async () => {
      const usage = await work.runtime.usage(handle.pid);
      return usage && usage.pids.length === 2 ? usage : undefined;
    });
    expect(first.pids[0]).toBe(handle.pid);
    expect(first.rssBytes).toBeGreaterThan(0);

    const busy = await eventually('a busy sample', async () => {
      const usage = await work.runtime.usage(handle.pid);
      return usage && usage.cpuPercent > 50 ? usage : undefined;
    });
    expect(busy.rssBytes).toBeGreaterThan(0);
    expect(busy.cpuSeconds).toBeGreaterThan(0);
  });

  it('returns null once the process has ended', async () => {
    const handle = await work.spawn(await work.node(''));
    await handle.exited;
    expect(await work.runtime.usage(handle.pid)).toBeNull();
  });
});
