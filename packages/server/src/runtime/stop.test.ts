import { describe, expect, it } from 'vitest';
import { eventually } from '../system/test-support/children.js';
import { liveGroupMembers } from './group.js';
import { useWorkloads } from './test-support/workloads.js';

const work = useWorkloads();

describe('LocalProcesses.stop', () => {
  it('stops the whole process group, grandchildren included', async () => {
    const handle = await work.spawn(
      await work.spec({ command: 'sh', args: ['-c', 'sleep 60 & sleep 60 & wait'] }),
    );
    const members = await eventually('the shell and both sleeps', async () => {
      const found = await liveGroupMembers(handle.pid);
      return found.length === 3 ? found : undefined;
    });
    expect(members).toContain(handle.pid);

    const result = await work.runtime.stop(handle.pid, { graceMs: 3000 });
    expect(result.outcome).toBe('exited');
    expect(result.durationMs).toBeLessThan(3000);
    expect(await liveGroupMembers(handle.pid)).toEqual([]);
    expect(await handle.exited).toMatchObject({ signal: 'SIGTERM', known: true });
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace time is over', async () => {
    // Reports readiness on stdout only after the handler is installed, so the SIGTERM cannot win the race.
    const spec = await work.node(
      "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)",
    );
    const handle = await work.spawn(spec);
    await eventually('the handler to be installed', async () =>
      (await work.output(spec)).out.includes('ready') ? true : undefined,
    );

    const result = await work.runtime.stop(handle.pid, { graceMs: 300 });
    expect(result.outcome).toBe('killed');
    expect(result.durationMs).toBeGreaterThanOrEqual(300);
    expect(await handle.exited).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('sends the signal it is asked for', async () => {
    const handle = await work.spawn(await work.node('setInterval(() => {}, 1000)'));
    const result = await work.runtime.stop(handle.pid, { signal: 'SIGINT' });
    expect(result.outcome).toBe('exited');
    expect(await handle.exited).toMatchObject({ signal: 'SIGINT' });
  });

  it("says 'absent' for a pid that does not exist", async () => {
    const handle = await work.spawn(await work.node(''));
    await handle.exited;
    // The pid just ended and the kernel hands pids out in increasing order, so it is free now.
    expect(await work.runtime.stop(handle.pid)).toMatchObject({ outcome: 'absent' });
  });

  it('refuses to signal the server itself or init', async () => {
    await expect(work.runtime.stop(process.pid)).rejects.toThrow(RangeError);
    await expect(work.runtime.stop(1)).rejects.toThrow(RangeError);
    await expect(work.runtime.stop(0)).rejects.toThrow(RangeError);
  });
});
