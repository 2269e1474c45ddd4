import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLines } from './runs.js';
import { FileTailer, TRUNCATED_MARK, type FileTailerOptions } from './tailer.js';
import { until, useClosers, useTempDirs } from './test-support/fixtures.js';

const tempDir = useTempDirs();
const onClose = useClosers();

async function follow(
  path: string,
  options: Partial<FileTailerOptions> = {},
): Promise<{ tailer: FileTailer; lines: string[] }> {
  const lines: string[] = [];
  const tailer = new FileTailer({
    path,
    pollMs: 50,
    onLines: (block) => lines.push(...runLines(block)),
    onError: (error) => {
      throw error;
    },
    ...options,
  });
  onClose(() => tailer.stop());
  await tailer.start();
  return { tailer, lines };
}

describe('FileTailer', () => {
  it('starts at the end and hands out appended lines in order', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, 'old line\n');
    const { lines } = await follow(path);
    for (let i = 0; i < 50; i++) await appendFile(path, `line ${i}\n`);
    await until('50 lines', () => lines.length === 50);
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
  });

  it('reads a burst that follows a single line whole, whatever size it sized its first read for', async () => {
    const path = join(await tempDir(), 'quiet-then-loud.log');
    await writeFile(path, '');
    const { lines } = await follow(path, { pollMs: 60_000 });
    appendFileSync(path, 'one quiet line\n');
    // The burst lands while the tailer may already be reading with a small buffer.
    const burst = Array.from({ length: 40_000 }, (_, i) => `loud ${i}`);
    for (let i = 0; i < burst.length; i += 4000)
      appendFileSync(path, burst.slice(i, i + 4000).join('\n') + '\n');
    await until('every line', () => lines.length === 1 + burst.length);
    expect(lines).toEqual(['one quiet line', ...burst]);
  });

  it('follows a file that does not exist yet once it appears', async () => {
    const path = join(await tempDir(), 'later.log');
    const { lines } = await follow(path);
    await writeFile(path, 'first\n');
    await until('first line', () => lines.length === 1);
    await appendFile(path, 'second\r\n');
    await until('second line', () => lines.length === 2);
    expect(lines).toEqual(['first', 'second']);
  });

  it('reacts to fs.watch without waiting for the poll', async () => {
    const path = join(await tempDir(), 'watched.log');
    await writeFile(path, '');
    const { lines } = await follow(path, { pollMs: 60_000 });
    await appendFile(path, 'seen at once\n');
    await until('the watched line', () => lines.length === 1, 5_000);
  });

  it('watches a file that does not exist yet from the start, without waiting for the poll', async () => {
    const path = join(await tempDir(), 'nested', 'not-yet.log');
    const { lines } = await follow(path, { pollMs: 60_000 });
    // The tailer created the (empty) file and its folder so fs.watch could be set up on it.
    expect((await stat(path)).size).toBe(0);
    await appendFile(path, 'first line of a new workload\n');
    await until('the first line', () => lines.length === 1, 5_000);
  });

  it('keeps a partial line until its newline arrives', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, '');
    const { tailer, lines } = await follow(path);
    await appendFile(path, 'hel');
    await tailer.readNow();
    expect(lines).toEqual([]);
    expect(tailer.offset).toBe(0);
    await appendFile(path, 'lo\nwor');
    await until('hello', () => lines.length === 1);
    expect(tailer.offset).toBe(6);
    await appendFile(path, 'ld\n');
    await until('world', () => lines.length === 2);
    expect(lines).toEqual(['hello', 'world']);
    expect(tailer.offset).toBe(12);
  });

  it('cuts a 100 KB line at 64 KiB, marks it, and carries on with the next line', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, '');
    const { lines } = await follow(path);
    await appendFile(path, `${'é'.repeat(50_000)}\nnext\n`);
    // The same, written in pieces with no newline for a while.
    for (let i = 0; i < 10; i++) await appendFile(path, 'y'.repeat(10_000));
    await appendFile(path, '\nafter\n');
    await until('four lines', () => lines.length === 4);
    const [long, next, pieces, after] = lines;
    expect(long?.endsWith(TRUNCATED_MARK)).toBe(true);
    expect(Buffer.byteLength(long ?? '')).toBeLessThanOrEqual(
      64 * 1024 + Buffer.byteLength(TRUNCATED_MARK),
    );
    expect(long?.slice(0, -TRUNCATED_MARK.length)).toMatch(/^é+$/);
    expect(next).toBe('next');
    expect(pieces).toBe('y'.repeat(64 * 1024 + 1).slice(0, 64 * 1024) + TRUNCATED_MARK);
    expect(after).toBe('after');
  });

  it('splits a burst into the same lines whatever it holds: CRLF, empty lines, UTF-8, long lines', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, '');
    const { lines } = await follow(path, { maxLineBytes: 100 });
    const ascii = Array.from({ length: 5000 }, (_, i) => `line ${i}`);
    const mixed = ['crlf\r', '', 'ünïcödé ✓ 🎉', 'x'.repeat(150), 'plain', '\r'];
    // Far more than one read, so lines also straddle the reads.
    const written = [...ascii, ...mixed, ...ascii, 'y'.repeat(120), 'end'];
    await appendFile(path, `${written.join('\n')}\n`);
    await until('every line', () => lines.length === written.length);
    const cut = (line: string): string =>
      line.length > 100 ? line.slice(0, 100) + TRUNCATED_MARK : line.replace(/\r$/, '');
    expect(lines).toEqual(written.map(cut));
  });

  it('starts again from the beginning when the file is truncated', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, '');
    const { lines } = await follow(path);
    await appendFile(path, 'one\ntwo\nthree\n');
    await until('three lines', () => lines.length === 3);
    await truncate(path, 0);
    await appendFile(path, 'new\n');
    await until('the line after truncation', () => lines.includes('new'));
    expect(lines).toEqual(['one', 'two', 'three', 'new']);
  });

  it('resumes from a saved offset, skipping what was read and reading what came meanwhile', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, 'a\nb\n');
    const first = await follow(path, { from: 'start' });
    await until('a and b', () => first.lines.length === 2);
    await appendFile(path, 'partial');
    await first.tailer.stop();
    const saved = first.tailer.offset;
    expect(saved).toBe(4);
    await appendFile(path, ' line\nc\n');
    const second = await follow(path, { from: saved });
    await until('two lines after the offset', () => second.lines.length === 2);
    expect(second.lines).toEqual(['partial line', 'c']);
    // An offset beyond the end (the file was replaced meanwhile) reads from the start.
    const third = await follow(path, { from: 10_000 });
    await until('all lines', () => third.lines.length === 4);
  });

  it('sees the lines of a real child process writing to a file opened for append', async () => {
    const path = join(await tempDir(), 'child.out.log');
    const { lines } = await follow(path);
    const fd = openSync(path, 'a');
    const script =
      'let i = 0; const t = setInterval(() => { console.log("tick " + i); if (++i === 300) clearInterval(t); }, 1);';
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    onClose(() => child.kill('SIGKILL'));
    await exited;
    await until('300 ticks', () => lines.length === 300);
    expect(lines[0]).toBe('tick 0');
    expect(lines[299]).toBe('tick 299');
  });

  it('rotates a file past its limit by copy-then-truncate, losing no line', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, '');
    const { lines } = await follow(path, { rotate: { maxSize: 2000, keep: 2 } });
    for (let i = 0; i < 200; i++) {
      // Written synchronously, like a separate process would: never in the middle of the rotation.
      appendFileSync(path, `line ${String(i).padStart(3, '0')} ${'x'.repeat(30)}\n`);
      if (i % 5 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await until('200 lines', () => lines.length === 200);
    expect(lines.map((l) => l.slice(0, 8))).toEqual(
      Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(3, '0')}`),
    );
    expect((await stat(`${path}.1`)).size).toBeGreaterThan(0);
    expect((await stat(path)).size).toBeLessThan(2000 + 100);
    await expect(stat(`${path}.3`)).rejects.toThrow();
  });

  it('stop() reads what is left, and with flush a last line without newline', async () => {
    const path = join(await tempDir(), 'out.log');
    await writeFile(path, '');
    const { tailer, lines } = await follow(path, { pollMs: 60_000 });
    await appendFile(path, 'done\nexit code 0');
    await tailer.stop({ flush: true });
    expect(lines).toEqual(['done', 'exit code 0']);
    expect(tailer.offset).toBe((await readFile(path)).length);
  });
});
