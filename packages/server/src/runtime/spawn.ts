import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseStatLine, processStartedAt, readBootTimeMs, readProcStat } from '../system/index.js';
import { SpawnError, errorCode } from './errors.js';
import type { ExitInfo, ProcessHandle, ProcessSpec } from './types.js';
import { systemDateClock } from '../clock.js';

/**
 * Starts `spec` as the leader of a new session and process group, writing
 * to its outputs (the named pipes the server reads, or plain files), and
 * resolves once the kernel has started it.
 *
 * The child is detached and unref'ed: a signal to the server's terminal, the
 * server's exit, or a pending child never reaches or holds the other side.
 */
export async function spawnProcess(spec: ProcessSpec): Promise<ProcessHandle> {
  // Checked first: a missing folder otherwise surfaces as an ENOENT that
  // reads as if the command were missing.
  const folderProblem = await checkCwd(spec);
  if (folderProblem) throw folderProblem;
  const fds = await openOutputs(spec);
  let child: ChildProcess;
  try {
    child = spawnChild(
      spec.shell === true ? '/bin/sh' : spec.command,
      spec.shell === true ? ['-c', spec.command] : spec.args,
      {
        detached: true,
        shell: false,
        stdio: ['ignore', fds[0], fds[1]],
        env: spec.env,
        ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      },
    );
  } catch (error) {
    // Invalid arguments (a NUL byte in an argument…) throw instead of emitting.
    throw commandError(error, spec);
  } finally {
    // The child holds its own copies; the server must not keep the files open.
    for (const fd of fds) closeSync(fd);
  }

  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal, known: true, at: systemDateClock() });
    });
  });
  const started = new Promise<{ pid: number; startTicks: number | null }>((resolve, reject) => {
    // Stays attached after the spawn so a later 'error' cannot crash the server.
    child.on('error', reject);
    child.once('spawn', () => {
      const pid = child.pid as number;
      resolve({ pid, startTicks: startTicksNow(pid) });
    });
  });
  child.unref();

  let pid: number;
  let startTicks: number | null;
  try {
    ({ pid, startTicks } = await started);
  } catch (error) {
    throw (await checkCwd(spec)) ?? commandError(error, spec);
  }
  startTicks ??= await startTicksSoon(pid);
  const startedAt =
    startTicks === null
      ? systemDateClock()
      : processStartedAt({ startTicks }, await readBootTimeMs());
  return { pid, startTicks: startTicks ?? 0, startedAt, ownChild: true, exited };
}

/**
 * Read synchronously inside the 'spawn' event: Node emits it on the next
 * tick, before the event loop can reap the child, so the entry is certain to
 * exist (at worst as a zombie) and cannot yet belong to another process.
 */
function startTicksNow(pid: number): number | null {
  try {
    return parseStatLine(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.startTicks ?? null;
  } catch {
    return null;
  }
}

const START_READ_ATTEMPTS = 10;
const START_READ_PAUSE_MS = 10;

/** A fallback for a /proc that was slow to show the entry. */
async function startTicksSoon(pid: number): Promise<number | null> {
  for (let attempt = 0; attempt < START_READ_ATTEMPTS; attempt++) {
    const found = await readProcStat(pid);
    if (found) return found.startTicks;
    await new Promise((resolve) => setTimeout(resolve, START_READ_PAUSE_MS));
  }
  return null;
}

async function checkCwd(spec: ProcessSpec): Promise<SpawnError | null> {
  const { cwd } = spec;
  if (cwd === undefined) return null;
  const fail = (code: string, problem: string, cause?: unknown): SpawnError =>
    new SpawnError(
      `cannot start ${JSON.stringify(spec.command)}: working folder ${JSON.stringify(cwd)} ${problem}`,
      { code, subject: 'cwd', command: spec.command, cwd },
      { cause },
    );
  try {
    if (!(await stat(cwd)).isDirectory()) return fail('ENOTDIR', 'is not a folder');
    await access(cwd, constants.X_OK);
    return null;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return fail(code, 'does not exist', error);
    if (code === 'ENOTDIR') return fail(code, 'is not a folder', error);
    return fail(code, `cannot be entered (${code})`, error);
  }
}

/**
 * Opens both outputs, creating their folders; closes what it opened on
 * failure. A named pipe is opened for reading and writing: the child then
 * holds a reader of its own pipe, so its writes never fail (EPIPE, or a
 * SIGPIPE that kills it) while no server reads; they wait once the pipe is
 * full. Anything else is opened for append.
 */
async function openOutputs(spec: ProcessSpec): Promise<[number, number]> {
  const fds: number[] = [];
  try {
    for (const path of [spec.stdoutFile, spec.stderrFile]) {
      try {
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        const fifo = (await stat(path).catch(() => null))?.isFIFO() === true;
        fds.push(openSync(path, fifo ? constants.O_RDWR : 'a', 0o600));
      } catch (error) {
        const code = errorCode(error);
        throw new SpawnError(
          `cannot start ${JSON.stringify(spec.command)}: output file ${JSON.stringify(path)} cannot be opened (${code})`,
          { code, subject: 'output', command: spec.command, cwd: spec.cwd },
          { cause: error },
        );
      }
    }
  } catch (error) {
    for (const fd of fds) closeSync(fd);
    throw error;
  }
  return fds as [number, number];
}

const COMMAND_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'command not found',
  EACCES: 'permission denied (not executable?)',
  ENOTDIR: 'a part of the command path is not a folder',
  ENOEXEC: 'not an executable format',
};

function commandError(error: unknown, spec: ProcessSpec): SpawnError {
  const code = errorCode(error);
  const problem =
    COMMAND_PROBLEMS[code] ?? (error instanceof Error ? error.message : String(error));
  const where = spec.cwd ?? process.cwd();
  return new SpawnError(
    `cannot start ${JSON.stringify(spec.command)} in ${JSON.stringify(where)}: ${problem}`,
    { code, subject: 'command', command: spec.command, cwd: spec.cwd },
    { cause: error },
  );
}
