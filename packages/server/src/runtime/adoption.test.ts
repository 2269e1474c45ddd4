import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../system/index.js';
import { isSameLiveProcess } from './adoption.js';
import { useWorkloads } from './test-support/workloads.js';

const ORPHAN = fileURLToPath(new URL('./test-support/orphan.js', import.meta.url));

/** Runs a separate Node process that starts a workload and exits, like a server that died. */
async function startOrphan(): Promise<{ pid: number; startTicks: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [ORPHAN, '30'], {
    timeout: 10_000,
  });
  const [pid = NaN, startTicks = NaN] = stdout.trim().split(' ').map(Number);
  expect(Number.isInteger(pid) && Number.isInteger(startTicks)).toBe(true);
  work.track(pid);
  return { pid, startTicks };
}

const work = useWorkloads();

async function isAlive(pid: number, startTicks: number): Promise<boolean> {
  return isSameLiveProcess(await readProcStat(pid), startTicks);
}

describe('LocalProcesses.adopt', () => {
  it('finds a workload again after the server that started it died, and sees it end', async () => {
    const { pid, startTicks } = await startOrphan();
    const handle = await work.runtime.adopt(pid, startTicks);
    expect(handle).toMatchObject({ pid, startTicks, ownChild: false });
    expect(Math.abs(handle!.startedAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await isAlive(pid, startTicks)).toBe(true);

    process.kill(pid, 'SIGKILL');
    expect(await handle!.exited).toMatchObject({ code: null, signal: null, known: false });
    expect(await isAlive(pid, startTicks)).toBe(false);
  });

  it('returns null when the start time differs (the pid was reused)', async () => {
    const { pid, startTicks } = await startOrphan();
    expect(await work.runtime.adopt(pid, startTicks + 1)).toBeNull();
    expect(await isAlive(pid, startTicks - 1)).toBe(false);
  });

  it('returns null for a process that is gone', async () => {
    const handle = await work.spawn(await work.node(''));
    await handle.exited;
    expect(await work.runtime.adopt(handle.pid, handle.startTicks)).toBeNull();
  });

  it('shares one watch between adoptions and reports a stop at once', async () => {
    const { pid, startTicks } = await startOrphan();
    const first = await work.runtime.adopt(pid, startTicks);
    const second = await work.runtime.adopt(pid, startTicks);
    expect(second?.exited).toBe(first?.exited);
    expect(await work.runtime.stop(pid)).toMatchObject({ outcome: 'exited' });
    expect(await first!.exited).toMatchObject({ known: false });
  });

  it('adopts a process it spawned itself, as a restarted server would', async () => {
    const spawned = await work.spawn(await work.node('setInterval(() => {}, 1000)'));
    const adopted = await work.runtime.adopt(spawned.pid, spawned.startTicks);
    expect(adopted).toMatchObject({ pid: spawned.pid, ownChild: false });
    expect(adopted?.startedAt.getTime()).toBe(spawned.startedAt.getTime());
    await work.runtime.stop(spawned.pid);
    await expect(adopted!.exited).resolves.toMatchObject({ known: false });
  });
});
