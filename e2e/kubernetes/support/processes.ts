// Starting and stopping the programs a test cluster is made of, by pid and process group.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { waitFor } from '../../support/wait.js';
import { isRunning, recordProcess, type RecordedProcess } from './runs.js';

export interface StartOptions {
  /** stdout and stderr are appended here. */
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * The kernel kills the process with SIGKILL when this Node process dies, however it dies
   * (`setpriv --pdeathsig`). Off for a cluster meant to outlive the command that started it.
   */
  dieWithParent: boolean;
}

export interface StartedProcess extends RecordedProcess {
  /** Settles when the process exits; never rejects. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a program in its own session and process group (so a terminal's Ctrl-C reaches only
 * the test, which stops it in order), with its output in a log file. No shell is involved.
 */
export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: StartOptions,
): StartedProcess {
  const log = openSync(options.logPath, 'a');
  const [file, argv] = options.dieWithParent
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, [...args]];
  try {
    const child = spawn(file, argv, {
      detached: true,
      stdio: ['ignore', log, log],
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve) => {
        child.once('error', () => {
          resolve({ code: null, signal: null });
        });
        child.once('exit', (code, signal) => {
          resolve({ code, signal });
        });
      },
    );
    if (child.pid === undefined) throw new Error(`${name}: ${command} could not be started`);
    if (!options.dieWithParent) child.unref();
    return { ...recordProcess(name, child.pid), exited };
  } finally {
    closeSync(log);
  }
}

/**
 * Sends `signal` to the process group, waits up to `graceMs` for the process to exit, then kills
 * the group with SIGKILL and waits for that too.
 */
export async function stopProcess(
  target: RecordedProcess,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  const send = (sig: NodeJS.Signals) => {
    for (const pid of [-target.pid, target.pid]) {
      try {
        process.kill(pid, sig);
      } catch {
        // the group or the process is already gone
      }
    }
  };
  if (!isRunning(target)) return;
  send(signal);
  try {
    await waitFor(() => !isRunning(target), graceMs, `${target.name} to exit`, 25);
  } catch {
    send('SIGKILL');
    await waitFor(() => !isRunning(target), 10_000, `${target.name} to die after SIGKILL`, 25);
  }
}

/** The last lines of a log file, for an error message that says why something did not start. */
export function logTail(path: string, lines = 20): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
