import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  GroupScanner,
  liveGroupMembers,
  parseGroupIds,
  readGroupIds,
  type GroupTable,
} from './group.js';

describe('parseGroupIds', () => {
  it('counts fields from the last parenthesis, whatever the name holds', () => {
    const text = '4242 (a) b (c) 1 2) S 1 4240 4239 0 -1 4194560 0 0 0 0 5 6 0 0 20 0 1 0 99 0 7\n';
    expect(parseGroupIds(text)).toEqual({ pgrp: 4240, session: 4239, state: 'S' });
  });

  it('is null for text that is not a stat line', () => {
    expect(parseGroupIds('')).toBeNull();
    expect(parseGroupIds('12 (x) R one two three')).toBeNull();
  });

  it('reads this process', async () => {
    expect(await readGroupIds(process.pid)).toMatchObject({ state: expect.any(String) });
  });
});

describe('GroupScanner', () => {
  it('lets the questions asked during a scan share the next one, never an older one', async () => {
    const started: number[] = [];
    const finish: (() => void)[] = [];
    const scanner = new GroupScanner(() => {
      const number = started.length + 1;
      started.push(number);
      return new Promise<GroupTable>((resolve) =>
        finish.push(() => {
          resolve(new Map([[number, [number]]]));
        }),
      );
    });
    const first = [scanner.fresh(), scanner.fresh()];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1]);
    // Asked while scan 1 runs: they wait for scan 2, which starts only once scan 1 is done.
    const second = [scanner.fresh(), scanner.fresh(), scanner.fresh()];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1]);
    finish[0]?.();
    expect((await Promise.all(first)).map((t) => [...t.keys()])).toEqual([[1], [1]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2]);
    finish[1]?.();
    expect((await Promise.all(second)).map((t) => [...t.keys()])).toEqual([[2], [2], [2]]);
  });

  it('goes on scanning after a scan fails', async () => {
    let calls = 0;
    const scanner = new GroupScanner(() =>
      ++calls === 1 ? Promise.reject(new Error('no /proc')) : Promise.resolve(new Map()),
    );
    await expect(scanner.fresh()).rejects.toThrow('no /proc');
    await expect(scanner.fresh()).resolves.toEqual(new Map());
  });
});

describe('liveGroupMembers', () => {
  it('lists the live processes of a group, and none once they have ended', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      detached: true,
      stdio: 'ignore',
    });
    const pid = child.pid as number;
    expect(await liveGroupMembers(pid)).toEqual([pid]);
    expect(await liveGroupMembers(process.pid)).not.toContain(pid);
    process.kill(-pid, 'SIGKILL');
    await once(child, 'exit');
    expect(await liveGroupMembers(pid)).toEqual([]);
  });
});
