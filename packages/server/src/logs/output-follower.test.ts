import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnProcess } from '../runtime/index.js';
import type { ProcessHandle } from '../runtime/index.js';
import type { LineBlock } from './line-splitter.js';
import { OutputFollower, type OutputFollowerOptions } from './output-follower.js';
import { runLines } from './runs.js';
import { until, useClosers, useTempDirs } from './test-support/fixtures.js';

const tempDir = useTempDirs();
const onClose = useClosers();

async function follow(
  dir: string,
  options: Partial<OutputFollowerOptions> = {},
): Promise<{ follower: OutputFollower; lines: string[]; pipe: string; file: string }> {
  const lines: string[] = [];
  const pipe = join(dir, '0.out.pipe');
  const file = join(dir, '0.out.log');
  const follower = new OutputFollower({
    pipe,
    file,
    rotate: { maxSize: 10 * 1024 * 1024, maxFiles: 3 },
    onLines: (block: LineBlock) => lines.push(...runLines(block)),
    onError: (error) => {
      throw error;
    },
    ...options,
  });
  onClose(() => follower.stop());
  await follower.start();
  return { follower, lines, pipe, file };
}

/** Runs a Node script with its stdout (and stderr) into `pipe`, as the supervisor does. */
async function run(script: string, pipe: string): Promise<ProcessHandle> {
  const handle = await spawnProcess({
    command: process.execPath,
    args: ['-e', script],
    env: {},
    stdoutFile: pipe,
    stderrFile: pipe,
  });
  onClose(() => {
    try {
      process.kill(-handle.pid, 'SIGKILL');
    } catch {
      // ended already
    }
  });
  return handle;
}

/** Where the kernel has a process waiting: a writer held back by a full pipe waits in pipe_write. */
async function waitChannel(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/wchan`, 'utf8').catch(() => '')).trim();
}

describe('OutputFollower', () => {
  it('reads what a process writes into its pipe, and writes the same bytes to the raw file', async () => {
    const { follower, lines, pipe, file } = await follow(await tempDir());
    const child = await run(
      'for (let i = 0; i < 300; i++) console.log("tick " + i); process.stdout.write("no newline at the end")',
      pipe,
    );
    expect((await child.exited).code).toBe(0);
    await follower.stop({ flush: true });
    expect(lines).toEqual([
      ...Array.from({ length: 300 }, (_, i) => `tick ${i}`),
      'no newline at the end',
    ]);
    expect(await readFile(file, 'utf8')).toBe(lines.join('\n'));
    // The ended workload's pipe is removed.
    await expect(stat(pipe)).rejects.toThrow(/ENOENT/);
  });

  it('rotates the raw file by renaming it at exactly maxSize, keeping disk use within maxSize × maxFiles', async () => {
    const dir = await tempDir();
    const maxSize = 4096;
    const { follower, lines, pipe, file } = await follow(dir, {
      rotate: { maxSize, maxFiles: 3 },
    });
    const line = (i: number) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(40)}`;
    const script = (from: number, to: number) =>
      `for (let i = ${from}; i < ${to}; i++) console.log("line " + String(i).padStart(5, "0") + " " + "x".repeat(40))`;

    // 100 lines of 52 bytes: one rotation. The file written first is now .1, the same file.
    const firstInode = (await stat(file)).ino;
    expect((await (await run(script(0, 100), pipe)).exited).code).toBe(0);
    await until('100 lines', () => lines.length === 100);
    expect((await stat(`${file}.1`)).ino).toBe(firstInode);
    expect((await stat(`${file}.1`)).size).toBe(maxSize);

    // Many more: the oldest go, and no file ever holds more than maxSize.
    expect((await (await run(script(100, 2000), pipe)).exited).code).toBe(0);
    await follower.stop({ flush: true });
    expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => line(i)));
    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['0.out.log', '0.out.log.1', '0.out.log.2']);
    const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxSize);
    // What is kept is the newest bytes, in order, cut at the marks and nowhere else.
    const kept = [
      await readFile(`${file}.2`, 'utf8'),
      await readFile(`${file}.1`, 'utf8'),
      await readFile(file, 'utf8'),
    ].join('');
    const written = `${lines.join('\n')}\n`;
    expect(written.endsWith(kept)).toBe(true);
    expect(kept.length).toBe(2 * maxSize + (written.length % maxSize));
  });

  it('stops reading while what the lines go to is congested: the writer waits, nothing is buffered or lost', async () => {
    let release: () => void = () => undefined;
    let congested: Promise<void> | null = new Promise((resolve) => {
      release = () => {
        congested = null;
        resolve();
      };
    });
    let delivered = 0;
    const { lines, pipe } = await follow(await tempDir(), {
      congestion: () => congested,
      onLines: (block) => {
        delivered += block.count;
      },
    });
    // 20 MB as fast as the pipe takes it, with blocking writes.
    const child = await run(
      'const line = "y".repeat(99) + "\\n"; const chunk = line.repeat(1000); for (let i = 0; i < 200; i++) require("fs").writeSync(1, chunk)',
      pipe,
    );
    for (let i = 0; !/pipe_write/.test(await waitChannel(child.pid)); i++) {
      if (i > 400) throw new Error('the writer never waited on the pipe');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // One read taken, then nothing more until the congestion is over.
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(2000);
    release();
    expect((await child.exited).code).toBe(0);
    await until('every line', () => delivered === 200_000);
    expect(lines).toEqual([]);
  });

  it('leaves a running workload its pipe: it is not killed by SIGPIPE, and the next reader reads on', async () => {
    const dir = await tempDir();
    const first = await follow(dir);
    const child = await run(
      // Blocking writes, as most programs make: a full pipe holds the process in write().
      'let i = 0; setInterval(() => { let s = ""; for (let k = 0; k < 100; k++) s += "n " + i++ + "\\n"; require("fs").writeSync(1, s); }, 2)',
      first.pipe,
    );
    await until('some lines', () => first.lines.length >= 500);
    await first.follower.stop();
    // No reader now: the workload fills its pipe and waits, alive.
    for (let i = 0; !/pipe_write/.test(await waitChannel(child.pid)); i++) {
      if (i > 400) throw new Error('the writer never waited on the pipe');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const second = await follow(dir);
    const seen = first.lines.length;
    await until('lines from the new reader', () => second.lines.length >= 2000);
    process.kill(-child.pid, 'SIGKILL');
    // Every number once, in order, across both readers.
    const numbers = [...first.lines, ...second.lines].map((l) => Number(l.slice(2)));
    expect(numbers.slice(0, seen + 2000)).toEqual(Array.from({ length: seen + 2000 }, (_, i) => i));
  });
});
