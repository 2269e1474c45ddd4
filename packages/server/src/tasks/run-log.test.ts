import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFiles, type LogHub } from '../logs/index.js';
import { openTestHub, until, useClosers, useTempDirs } from '../logs/test-support/fixtures.js';
import { RunLog } from './run-log.js';

const tempDir = useTempDirs();
const onClose = useClosers();

/** The lines the hub has of run r1 of task `job`, oldest first, with their stream. */
async function lines(hub: LogHub): Promise<string[]> {
  const entries = await hub.query({ kind: 'task', id: 'job', run: 'r1' });
  return entries.reverse().map((e) => `${e.stream} ${e.level} ${e.line}`);
}

async function setUp(): Promise<{ hub: LogHub; files: { stdout: string; stderr: string } }> {
  const dir = await tempDir();
  const hub = openTestHub(dir, onClose);
  const files = logFiles(dir, { kind: 'task', id: 'job', run: 'r1' });
  await mkdir(dirname(files.stdout), { recursive: true });
  await writeFile(files.stdout, 'first\n');
  await writeFile(files.stderr, '');
  return { hub, files };
}

describe('RunLog', () => {
  it('follows the run’s files from their start, with Codedance’s own lines about it', async () => {
    const { hub, files } = await setUp();
    const log = new RunLog(hub, files, 'job', 'r1');
    await log.follow();
    log.note('INFO', 'started pid 42');
    await appendFile(files.stderr, 'oops\n');
    await until('both streams', () => hub.offsets(log.source)?.stderr === 5);
    log.note('ERROR', 'exited with code 1');
    await log.stop();
    expect(await lines(hub)).toEqual([
      'stdout INFO first',
      'system INFO started pid 42',
      'stderr ERROR oops',
      'system ERROR exited with code 1',
    ]);
    expect(log.offsets()).toBeNull();
  });

  it('resumes where a previous server stopped reading, repeating no line', async () => {
    const { hub, files } = await setUp();
    const before = new RunLog(hub, files, 'job', 'r1');
    await before.follow();
    await until('the first line', () => before.offsets()?.stdout === 6);
    const offsets = before.offsets();
    await before.stop();
    await appendFile(files.stdout, 'second\n');

    const after = new RunLog(hub, files, 'job', 'r1');
    await after.follow(offsets);
    await until('the second line', () => after.offsets()?.stdout === 13);
    await after.stop();
    expect(await lines(hub)).toEqual(['stdout INFO first', 'stdout INFO second']);
  });
});
