import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogHub, LogHubOptions } from './hub.js';
import { JOURNAL_FILE } from './journal.js';
import { logFiles } from './raw-files.js';
import { pipePath } from './output-pipe.js';
import {
  until,
  useClosers,
  useTempDirs,
  openTestHub,
  writeToPipe,
} from './test-support/fixtures.js';
import type { LogSource } from './types.js';

const tempDir = useTempDirs();
const onClose = useClosers();

function openHub(dir: string, options: Partial<LogHubOptions> = {}): LogHub {
  return openTestHub(dir, onClose, options);
}

/** The raw files and the pipes of a workload (the pipes exist once it is attached). */
function outputs(dir: string, source: LogSource) {
  const files = logFiles(dir, source);
  return { files, pipes: { stdout: pipePath(files.stdout), stderr: pipePath(files.stderr) } };
}

const build: LogSource = { kind: 'task', id: 'build', run: 'r1' };
const web0: LogSource = { kind: 'service', id: 'web', instance: 0 };
const web1: LogSource = { kind: 'service', id: 'web', instance: 1 };

describe('LogHub', () => {
  it('names raw files by workload and refuses ids that could leave the folder', () => {
    expect(logFiles('/logs', build)).toEqual({
      stdout: '/logs/tasks/build/r1.out.log',
      stderr: '/logs/tasks/build/r1.err.log',
    });
    expect(logFiles('/logs', web1).stderr).toBe('/logs/services/web/1.err.log');
    expect(() => logFiles('/logs', { kind: 'task', id: '..', run: 'r' })).toThrow(/no "\.\."/);
    // A tenant's workloads are named `<tenant>/<name>` and kept in the tenant's folder.
    expect(logFiles('/logs', { kind: 'task', id: 'a/b', run: 'r' }).stdout).toBe(
      '/logs/tenants/a/tasks/b/r.out.log',
    );
    expect(() => logFiles('/logs', { kind: 'task', id: 'a/b/c', run: 'r' })).toThrow();
    expect(() => logFiles('/logs', { kind: 'task', id: '../b', run: 'r' })).toThrow();
    expect(() => logFiles('/logs', { kind: 'task', id: 'a', run: '../x' })).toThrow();
    expect(() => logFiles('/logs', { kind: 'service', id: 'a' })).toThrow(/instance/);
  });

  it('numbers lines from both streams, classifies them and continues the numbering after a restart', async () => {
    const dir = await tempDir();
    const { files, pipes } = outputs(dir, build);
    const hub = openHub(dir);
    await hub.attach(build, files);
    expect((await stat(pipes.stdout)).isFIFO()).toBe(true);
    hub.system(build, 'INFO', 'started pid 123');
    await writeToPipe(pipes.stdout, 'compiling\n[WARN] slow disk\n');
    await writeToPipe(pipes.stderr, 'boom\n');
    await until('four entries', () => hub.lastSeq === 4);
    await hub.detach(build);
    hub.system(build, 'ERROR', 'exited with code 1');
    const entries = (await hub.query({})).reverse();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(entries[0]).toMatchObject({
      stream: 'system',
      level: 'INFO',
      line: 'started pid 123',
      source: build,
    });
    const byLine = Object.fromEntries(entries.map((e) => [e.line, e]));
    expect(byLine['[WARN] slow disk']).toMatchObject({ stream: 'stdout', level: 'WARNING' });
    expect(byLine.boom).toMatchObject({ stream: 'stderr', level: 'ERROR' });
    // The raw files hold what came through the pipes; the ended run's pipes are gone.
    expect(await readFile(files.stdout, 'utf8')).toBe('compiling\n[WARN] slow disk\n');
    expect(await readFile(files.stderr, 'utf8')).toBe('boom\n');
    await expect(stat(pipes.stdout)).rejects.toThrow(/ENOENT/);
    await hub.close();

    const again = openHub(dir);
    expect(again.lastSeq).toBe(5);
    expect(again.system(web0, 'INFO', 'after restart').seq).toBe(6);
    expect((await again.query({ limit: 2 })).map((e) => e.line)).toEqual([
      'after restart',
      'exited with code 1',
    ]);
  });

  it('leaves a running workload its pipes on close, and a new hub reads on from them, nothing twice', async () => {
    const dir = await tempDir();
    const { files, pipes } = outputs(dir, web0);
    const hub = openHub(dir);
    await hub.attach(web0, files);
    // The workload holds its pipe the whole time, as a process given it does.
    const workload = await open(pipes.stdout, constants.O_RDWR);
    onClose(() => workload.close());
    await workload.write('one\ntwo\n');
    await until('two entries', () => hub.lastSeq === 2);
    await hub.close();
    // Written while no server read: it waits in the pipe.
    await workload.write('three\n');
    const again = openHub(dir);
    await again.attach(web0, files);
    await until('the third line', () => again.lastSeq === 3);
    expect((await again.query({})).map((e) => e.line)).toEqual(['three', 'two', 'one']);
    expect(await readFile(files.stdout, 'utf8')).toBe('one\ntwo\nthree\n');
  });

  it('rotates the journal by size and count and still reads across the files', async () => {
    const dir = await tempDir();
    const hub = openHub(dir, { journal: { maxSize: 5000, maxFiles: 3 }, ringSize: 10 });
    for (let i = 1; i <= 200; i++) {
      hub.system(build, 'INFO', `line ${i} ${'x'.repeat(20)}`);
      // Rotation happens between writes; give the stream a turn now and then.
      if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await hub.close();
    const files = (await readdir(dir)).filter((f) => f.startsWith(JOURNAL_FILE)).sort();
    expect(files).toEqual([JOURNAL_FILE, `${JOURNAL_FILE}.1`, `${JOURNAL_FILE}.2`]);
    const again = openHub(dir, { journal: { maxSize: 5000, maxFiles: 3 }, ringSize: 10 });
    expect(again.lastSeq).toBe(200);
    const newest = await again.query({ limit: 50 });
    expect(newest.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 200 - i));
    const all = await again.query({ limit: 5000 });
    expect(all.length).toBeGreaterThan(50);
    expect(all.length).toBeLessThan(200);
  });

  it('answers queries by source, level, text, time and pages backwards, from memory and from the journal', async () => {
    const dir = await tempDir();
    let now = Date.parse('2024-05-01T10:00:00.000Z');
    const clock = (): Date => new Date(now);
    const hub = openHub(dir, { clock, ringSize: 5 });
    const sources = [build, { kind: 'task', id: 'build', run: 'r2' } as const, web0, web1];
    for (let i = 1; i <= 40; i++) {
      const source = sources[i % 4] as LogSource;
      hub.system(
        source,
        i % 10 === 0 ? 'ERROR' : i % 5 === 0 ? 'WARNING' : 'INFO',
        `message ${i}${i % 7 === 0 ? ' Needle' : ''}`,
      );
      now += 60_000;
    }
    const check = async (h: LogHub): Promise<void> => {
      const seqs = async (q: Parameters<LogHub['query']>[0]): Promise<number[]> =>
        (await h.query(q)).map((e) => e.seq);
      expect(await seqs({ limit: 3 })).toEqual([40, 39, 38]);
      expect(await seqs({ kind: 'service', limit: 4 })).toEqual([39, 38, 35, 34]);
      expect(await seqs({ kind: 'service', id: 'web', instance: 1, limit: 3 })).toEqual([
        39, 35, 31,
      ]);
      expect(await seqs({ kind: 'task', run: 'r2', limit: 2 })).toEqual([37, 33]);
      expect(await seqs({ level: 'ERROR' })).toEqual([40, 30, 20, 10]);
      expect(await seqs({ level: 'WARNING', limit: 3 })).toEqual([40, 35, 30]);
      expect(await seqs({ text: 'needle' })).toEqual([35, 28, 21, 14, 7]);
      expect(await seqs({ before: 12, limit: 3 })).toEqual([11, 10, 9]);
      expect(await seqs({ text: 'needle', before: 21 })).toEqual([14, 7]);
      // Entry n was written at 10:00 + (n-1) minutes.
      expect(
        await seqs({
          since: new Date('2024-05-01T10:30:00Z'),
          until: new Date('2024-05-01T10:32:00Z'),
        }),
      ).toEqual([33, 32, 31]);
      expect(await seqs({ since: new Date('2024-05-01T10:37:00Z') })).toEqual([40, 39, 38]);
      expect((await h.query({ limit: 100_000 })).length).toBe(40);
    };
    // Memory holds 5: most answers come from the journal after the memory.
    await check(hub);
    await hub.close();
    // A new hub starts with an empty memory: everything comes from the journal.
    await check(openHub(dir, { clock, ringSize: 100 }));
  });

  it('clears one workload (raw files and journal entries) or everything, and keeps numbering', async () => {
    const dir = await tempDir();
    const buildOut = outputs(dir, build);
    const webOut = outputs(dir, web0);
    await mkdir(dirname(buildOut.files.stdout), { recursive: true });
    await writeFile(buildOut.files.stdout, 'ran\n');
    await writeFile(`${buildOut.files.stdout}.1`, 'rotated\n');
    const hub = openHub(dir);
    await hub.attach(web0, webOut.files);
    hub.system(build, 'INFO', 'build 1');
    hub.system(web0, 'INFO', 'web 1');
    hub.system(build, 'INFO', 'build 2');
    await writeToPipe(webOut.pipes.stdout, 'web 2\n');
    await until('web 2', () => hub.lastSeq === 4);

    expect(await hub.clear({ kind: 'task', id: 'build' })).toEqual({ removedEntries: 2 });
    expect((await hub.query({})).map((e) => e.line)).toEqual(['web 2', 'web 1']);
    await expect(readdir(join(dir, 'tasks', 'build'))).rejects.toThrow();
    const journal = await readFile(join(dir, JOURNAL_FILE), 'utf8');
    expect(journal).not.toContain('build 1');

    expect(hub.system(web0, 'INFO', 'web 3').seq).toBe(5);
    expect(await hub.clear()).toEqual({ removedEntries: 3 });
    expect(await hub.query({})).toEqual([]);
    // The running instance's file starts afresh, and its pipe is still read.
    expect(await readFile(webOut.files.stdout, 'utf8')).toBe('');
    await writeToPipe(webOut.pipes.stdout, 'web 4\n');
    await until('web 4', () => hub.lastSeq === 6);
    await hub.close();
    expect(await readFile(webOut.files.stdout, 'utf8')).toBe('web 4\n');
    const again = openHub(dir);
    expect(again.lastSeq).toBe(6);
    expect((await again.query({})).map((e) => e.line)).toEqual(['web 4']);
  });
});
