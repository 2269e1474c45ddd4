import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { logFiles, pipePath, type LogHub } from '../logs/index.js';
import {
  openTestHub,
  until,
  useClosers,
  useTempDirs,
  writeToPipe,
} from '../logs/test-support/fixtures.js';
import { RunLog } from './run-log.js';

const tempDir = useTempDirs();
const onClose = useClosers();

/** The lines the hub has of run r1 of task `job`, oldest first, with their stream. */
async function lines(hub: LogHub): Promise<string[]> {
  const entries = await hub.query({ kind: 'task', id: 'job', run: 'r1' });
  return entries.reverse().map((e) => `${e.stream} ${e.level} ${e.line}`);
}

async function setUp(): Promise<{
  dir: string;
  hub: LogHub;
  files: { stdout: string; stderr: string };
}> {
  const dir = await tempDir();
  const hub = openTestHub(dir, onClose);
  return { dir, hub, files: logFiles(dir, { kind: 'task', id: 'job', run: 'r1' }) };
}

describe('RunLog', () => {
  it('reads what the run writes into its pipes, with Codedance’s own lines about it', async () => {
    const { hub, files } = await setUp();
    const log = new RunLog(hub, files, 'job', 'r1');
    await log.follow();
    await writeToPipe(pipePath(files.stdout), 'first\n');
    await until('stdout', () => hub.lastSeq >= 1);
    log.note('INFO', 'started pid 42');
    await writeToPipe(pipePath(files.stderr), 'oops\n');
    await until('stderr', () => hub.lastSeq >= 3);
    log.note('ERROR', 'exited with code 1');
    await log.stop();
    expect(await lines(hub)).toEqual([
      'stdout INFO first',
      'system INFO started pid 42',
      'stderr ERROR oops',
      'system ERROR exited with code 1',
    ]);
  });

  it('masks the values of secret variables in every line the run writes', async () => {
    const { hub, files } = await setUp();
    const log = new RunLog(hub, files, 'job', 'r1', () => ['hunter2-secret']);
    await log.follow();
    await writeToPipe(pipePath(files.stdout), 'password is hunter2-secret\n');
    await until('the line', () => hub.lastSeq >= 1);
    await log.stop();
    const [line] = await lines(hub);
    expect(line).toMatch(/^stdout INFO password is /);
    expect(line).not.toContain('hunter2-secret');
  });

  it('reads on from the pipes where a closed server stopped, repeating no line', async () => {
    const { dir, files } = await setUp();
    const first = openTestHub(dir, onClose);
    const before = new RunLog(first, files, 'job', 'r1');
    await before.follow();
    // The run's process holds its pipe open for as long as it lives, as a workload does.
    const workload = await open(pipePath(files.stdout), constants.O_RDWR);
    onClose(() => workload.close());
    await workload.write('first\n');
    await until('the first line', () => first.lastSeq >= 1);
    // The server closes; the run goes on, and what it writes waits in the pipe.
    await first.close();
    await workload.write('second\n');

    const next = openTestHub(dir, onClose);
    const after = new RunLog(next, files, 'job', 'r1');
    await after.follow();
    await until('the second line', () => next.lastSeq >= 2);
    await after.stop();
    expect(await lines(next)).toEqual(['stdout INFO first', 'stdout INFO second']);
  });
});
