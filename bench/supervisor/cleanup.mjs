// Everything a run starts has an owner here, so a finished, failed or
// interrupted run leaves no process and no temporary folder behind.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { isAlive, pidsWithEnv } from './measure/proc.mjs';
import { now, until } from './measure/wait.mjs';

/**
 * Every process of a run carries this variable (supervisors pass their
 * environment on to services), so leftovers can be found by pid even when a
 * supervisor died without stopping its services.
 */
export const RUN_MARKER = { name: 'SUPERVISOR_BENCH_RUN', value: randomUUID() };

const steps = [];

/** Registers a cleanup step; the last registered runs first. Returns a function that unregisters it. */
export function onCleanup(label, step) {
  const entry = { label, step };
  steps.push(entry);
  return () => {
    const at = steps.indexOf(entry);
    if (at !== -1) steps.splice(at, 1);
  };
}

/** Runs every registered step once, newest first; a failing step does not stop the others. */
export async function cleanupAll() {
  while (steps.length > 0) {
    const { label, step } = steps.pop();
    try {
      await step();
    } catch (error) {
      console.error(`cleanup: ${label}: ${error.message}`);
    }
  }
  await killMarked();
}

/** SIGKILLs every process that carries this run's marker; returns their pids. */
export async function killMarked() {
  const pids = pidsWithEnv(RUN_MARKER.name, RUN_MARKER.value);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  if (pids.length > 0) {
    await until(() => pids.every((pid) => !isAlive(pid)), {
      timeoutMs: 5000,
      what: 'leftovers to die',
    });
  }
  return pids;
}

/** A temporary folder removed at cleanup. */
export function ownFolder(path) {
  onCleanup(`remove ${path}`, () => rm(path, { recursive: true, force: true }));
  return path;
}

/**
 * The environment for a process of this run: only what any program needs,
 * the marker, and `extra`. Both supervisors read many variables of their own
 * (CODEDANCE_*, LOG_LEVEL, PM2_*), so none of the caller's are passed on.
 */
export function runEnv(extra = {}) {
  const base = {};
  for (const key of ['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR']) {
    if (process.env[key] !== undefined) base[key] = process.env[key];
  }
  return { ...base, [RUN_MARKER.name]: RUN_MARKER.value, ...extra };
}

/**
 * Runs a command to its end in its own process group (so Ctrl-C in the
 * terminal reaches only this script, which then cleans up in order).
 * Resolves { code, stdout, stderr, ms }, where ms is spawn to exit.
 */
export function run(command, args, { env = runEnv(), timeoutMs = 60_000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(command, args, {
      env,
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forget = onCleanup(`${command} ${args.join(' ')}`, () => killGroup(child.pid));
    const out = [];
    const err = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => killGroup(child.pid), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      forget();
      reject(error);
    });
    child.on('close', (code, signal) => {
      const ms = now() - started;
      clearTimeout(timer);
      forget();
      resolve({
        code: code ?? signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms,
      });
    });
  });
}

/** Like run(), but a non-zero exit is an error that shows the command's output. */
export async function runOk(command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.code}\n${result.stdout}${result.stderr}`.trim(),
    );
  }
  return result;
}

/** SIGKILL to a process group we created; quiet when it is already gone. */
export function killGroup(pid, signal = 'SIGKILL') {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
