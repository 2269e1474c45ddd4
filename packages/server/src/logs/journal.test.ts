import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Journal } from './journal.js';
import { runLines, runOf } from './runs.js';
import { useClosers, useTempDirs } from './test-support/fixtures.js';
import type { LogEntry, LogRun, LogSource } from './types.js';

const tempDir = useTempDirs();
const onClose = useClosers();

const api: LogSource = { kind: 'service', id: 'api', instance: 0 };
const TIME = '2024-05-01T12:00:00.000Z';

function run(seq: number, lines: string[], level: LogRun['level'] = 'INFO'): LogRun {
  return runOf({ seq, time: TIME, source: api, stream: 'stdout', level }, lines);
}

function open(dir: string, files = { maxSize: 1024 * 1024, maxFiles: 2 }): Journal {
  const journal = new Journal({
    dir,
    ...files,
    onError: (error) => {
      throw error;
    },
  });
  onClose(() => journal.close());
  return journal;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

async function collect<T>(source: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of source) out.push(...batch);
  return out;
}

describe('Journal', () => {
  it('writes a run as one line and a lone entry as an entry, and reads both back as entries', async () => {
    const dir = await tempDir();
    const journal = open(dir);
    journal.append([run(1, ['a', 'b', 'c']), run(4, ['[ERROR] d'], 'ERROR')]);
    await journal.flush();
    const lines = (await readFile(journal.path, 'utf8')).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        seq: 1,
        time: TIME,
        source: api,
        stream: 'stdout',
        level: 'INFO',
        count: 3,
        text: 'a\nb\nc',
      },
      { seq: 4, time: TIME, source: api, stream: 'stdout', level: 'ERROR', line: '[ERROR] d' },
    ]);
    const newest: LogEntry[] = [];
    for await (const entry of journal.newestFirst()) newest.push(entry);
    expect(newest.map((e) => [e.seq, e.line])).toEqual([
      [4, '[ERROR] d'],
      [3, 'c'],
      [2, 'b'],
      [1, 'a'],
    ]);
    expect(journal.lastSeqSync()).toBe(4);
  });

  it('reads from the middle of a run, as entries or as the rest of the run', async () => {
    const journal = open(await tempDir());
    journal.append([run(1, ['a', 'b', 'c', 'd']), run(5, ['e', 'f'])]);
    journal.mark(9);
    await journal.flush();
    expect((await collect(journal.after(2))).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    expect((await collect(journal.runsAfter(2))).map((r) => [r.seq, runLines(r)])).toEqual([
      [3, ['c', 'd']],
      [5, ['e', 'f']],
    ]);
    // The marker says how far numbering went, past the last entry.
    expect(journal.lastSeqSync()).toBe(9);
  });

  it('rewrites a run that is partly removed as what is left, each entry keeping its seq', async () => {
    const journal = open(await tempDir());
    journal.append([run(1, ['keep 1', 'drop 2', 'drop 3', 'keep 4', 'keep 5'])]);
    await journal.flush();
    expect(await journal.rewrite((entry) => entry.line.startsWith('drop'))).toBe(2);
    expect((await collect(journal.after(0))).map((e) => [e.seq, e.line])).toEqual([
      [1, 'keep 1'],
      [4, 'keep 4'],
      [5, 'keep 5'],
    ]);
    expect(await journal.removeAll()).toBe(3);
  });

  it('reads every entry once, in order, while files rotate under a slow reader', async () => {
    // Small files and many of them: each rotation renames every file, one at a time.
    const journal = open(await tempDir(), { maxSize: 4096, maxFiles: 100 });
    let seq = 0;
    const write = (runs: number): void => {
      for (let i = 0; i < runs; i++) {
        const lines = Array.from({ length: 1 + (seq % 3) }, (_, k) => `line ${seq + k + 1}`);
        journal.append([run(seq + 1, lines)]);
        seq += lines.length;
      }
    };
    write(600);
    await journal.flush();
    const seen: number[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for await (const runs of journal.runsAfter(seen.length)) {
        for (const r of runs) runLines(r).forEach((_, k) => seen.push(r.seq + k));
        // Writes go on between the reader's steps, rotating files as it reads.
        if (seq < 3000) write(20);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await journal.flush();
    }
    // The first pass stops at the live file's end as it found it; the second reads the rest.
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(seen.length).toBe(seq);
  });

  it('finds its way through files that were rewritten after a reader went through them', async () => {
    const journal = open(await tempDir(), { maxSize: 2048, maxFiles: 50 });
    for (let seq = 1; seq <= 400; seq++) journal.append([run(seq, [`line ${seq}`])]);
    await journal.flush();
    // Several files, so that reading from the start crosses from one to the next.
    expect(existsSync(`${journal.path}.3`)).toBe(true);
    const seqs = async (after: number): Promise<number[]> =>
      (await collect(journal.after(after))).map((entry) => entry.seq);
    expect(await seqs(0)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));

    // Every file is replaced by a new one holding the odd entries; what a reader learnt of the
    // old files (their first lines) must not steer it now.
    expect(await journal.rewrite((entry) => entry.seq % 2 === 0)).toBe(200);
    const odd = Array.from({ length: 200 }, (_, i) => 2 * i + 1);
    expect(await seqs(0)).toEqual(odd);
    expect(await seqs(200)).toEqual(odd.filter((seq) => seq > 200));

    for (let seq = 401; seq <= 500; seq++) journal.append([run(seq, [`line ${seq}`])]);
    await journal.flush();
    expect(await seqs(390)).toEqual([391, 393, 395, 397, 399, ...range(401, 500)]);
  });
});
