import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGroupIds } from './group.js';
import { SpawnError } from './errors.js';
import { useWorkloads } from './test-support/workloads.js';

const work = useWorkloads();

describe('LocalProcesses.spawn', () => {
  it('writes stdout and stderr to the files and reports the exit code', async () => {
    const spec = await work.node(
      "process.stdout.write('to out\\n'); process.stderr.write('to err\\n'); process.exitCode = 3",
    );
    const handle = await work.spawn(spec);
    expect(handle.ownChild).toBe(true);
    expect(handle.startTicks).toBeGreaterThan(0);
    expect(Math.abs(handle.startedAt.getTime() - Date.now())).toBeLessThan(60_000);
    const exit = await handle.exited;
    expect(exit).toMatchObject({ code: 3, signal: null, known: true });
    expect(await work.output(spec)).toEqual({ out: 'to out\n', err: 'to err\n' });
  });

  it('appends to existing output files', async () => {
    const spec = await work.node("console.log('second')");
    await mkdir(join(await work.dir(), 'logs'), { recursive: true });
    await writeFile(spec.stdoutFile, 'first\n');
    await (
      await work.spawn(spec)
    ).exited;
    expect((await work.output(spec)).out).toBe('first\nsecond\n');
  });

  it('reports the signal that ended the process', async () => {
    const handle = await work.spawn(await work.node("process.kill(process.pid, 'SIGKILL')"));
    expect(await handle.exited).toMatchObject({ code: null, signal: 'SIGKILL', known: true });
  });

  it('gives the child exactly the environment of the spec', async () => {
    const spec = await work.node('console.log(JSON.stringify(process.env))', {
      env: { ONLY_THIS: 'value with spaces' },
    });
    await (
      await work.spawn(spec)
    ).exited;
    expect(JSON.parse((await work.output(spec)).out)).toEqual({ ONLY_THIS: 'value with spaces' });
  });

  it('passes arguments literally, without a shell', async () => {
    const args = ['a b', '"quoted"', "'single'", '$HOME', 'x; echo injected', '*', '`id`'];
    const spec = await work.node('console.log(JSON.stringify(process.argv.slice(1)))');
    const withArgs = { ...spec, args: [...spec.args, ...args], env: { HOME: '/nowhere' } };
    await (
      await work.spawn(withArgs)
    ).exited;
    expect(JSON.parse((await work.output(spec)).out)).toEqual(args);
  });

  it('runs a command line through /bin/sh when shell is true', async () => {
    const spec = await work.spec({
      command: 'echo "greeting: $GREETING"; echo oops >&2; exit 7',
      shell: true,
      env: { GREETING: 'hello there' },
    });
    expect(await (await work.spawn(spec)).exited).toMatchObject({ code: 7 });
    expect(await work.output(spec)).toEqual({ out: 'greeting: hello there\n', err: 'oops\n' });
  });

  it('runs in the given working folder', async () => {
    const cwd = await work.dir();
    const spec = await work.node('console.log(process.cwd())', { cwd });
    await (
      await work.spawn(spec)
    ).exited;
    expect((await work.output(spec)).out.trim()).toBe(cwd);
  });

  it('starts the child in its own session and process group', async () => {
    const handle = await work.spawn(await work.node('setTimeout(() => {}, 30_000)'));
    const [child, self] = await Promise.all([readGroupIds(handle.pid), readGroupIds(process.pid)]);
    expect(child).toMatchObject({ pgrp: handle.pid, session: handle.pid });
    expect(child?.pgrp).not.toBe(self?.pgrp);
    expect(child?.session).not.toBe(self?.session);
  });
});

describe('LocalProcesses.spawn failures', () => {
  async function failure(promise: Promise<unknown>): Promise<SpawnError> {
    const error: unknown = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(SpawnError);
    return error as SpawnError;
  }

  it('names a missing command', async () => {
    const spec = await work.spec({ command: 'cd-no-such-command-xyz' });
    const error = await failure(work.spawn(spec));
    expect(error).toMatchObject({ code: 'ENOENT', subject: 'command' });
    expect(error.message).toContain('cd-no-such-command-xyz');
    expect(error.message).toContain('command not found');
  });

  it('says clearly that the working folder is missing', async () => {
    const cwd = join(await work.dir(), 'missing-folder');
    const error = await failure(work.spawn(await work.node('', { cwd })));
    expect(error).toMatchObject({ code: 'ENOENT', subject: 'cwd', cwd });
    expect(error.message).toContain(`working folder "${cwd}" does not exist`);
  });

  it('says when the working folder is a file', async () => {
    const cwd = join(await work.dir(), 'a-file');
    await writeFile(cwd, '');
    const error = await failure(work.spawn(await work.node('', { cwd })));
    expect(error).toMatchObject({ code: 'ENOTDIR', subject: 'cwd' });
    expect(error.message).toContain('is not a folder');
  });

  it('reports EACCES for a file that is not executable', async () => {
    const script = join(await work.dir(), 'not-executable.sh');
    await writeFile(script, '#!/bin/sh\necho hi\n');
    await chmod(script, 0o644);
    const error = await failure(work.spawn(await work.spec({ command: script })));
    expect(error).toMatchObject({ code: 'EACCES', subject: 'command' });
    expect(error.message).toContain(script);
  });

  it('reports an output file that cannot be opened', async () => {
    const dir = await work.dir();
    const spec = await work.node('', { stdoutFile: dir });
    const error = await failure(work.spawn(spec));
    expect(error).toMatchObject({ code: 'EISDIR', subject: 'output' });
  });
});
