import { errorCode } from './errors.js';
import { isEnded, liveGroupMembers, readGroupIds } from './group.js';
import type { StopResult } from './types.js';

export interface StopOptions {
  signal?: NodeJS.Signals;
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 5000;
const POLL_MS = 40;
/** How long to wait for the kernel to tear the group down after SIGKILL, which cannot be caught. */
const KILL_WAIT_MS = 2000;

/**
 * Signals process group `pid` (the workload and everything it started),
 * waits up to `graceMs` for all its live members to leave, then SIGKILLs the
 * group and waits again, briefly. When `pid` leads no group (a process
 * started some other way) the signals go to that process alone.
 */
export async function stopGroup(pid: number, options: StopOptions = {}): Promise<StopResult> {
  const began = performance.now();
  const result = (outcome: StopResult['outcome']): StopResult => ({
    outcome,
    durationMs: Math.round(performance.now() - began),
  });
  await refuseOwnGroup(pid);

  let target = -pid;
  if (!send(target, options.signal ?? 'SIGTERM')) {
    target = pid;
    if (!send(target, options.signal ?? 'SIGTERM')) return result('absent');
  }
  if (await waitGone(target, options.graceMs ?? DEFAULT_GRACE_MS)) return result('exited');
  send(target, 'SIGKILL');
  if (!(await waitGone(target, KILL_WAIT_MS))) {
    throw new Error(`process group ${pid} is still running ${KILL_WAIT_MS} ms after SIGKILL`);
  }
  return result('killed');
}

/** Sends `signal` to a pid (or, negative, a group); false when there is no such target. */
function send(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false;
    throw error;
  }
}

/** Waits until `target` has no live process left; false when `ms` passed first. */
async function waitGone(target: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await gone(target)) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function gone(target: number): Promise<boolean> {
  // Signal 0 is the cheap check; only when it finds something is /proc
  // scanned, because zombies still answer it.
  if (!send(target, 0)) return true;
  if (target > 0) {
    const ids = await readGroupIds(target);
    return ids === null || isEnded(ids.state);
  }
  return (await liveGroupMembers(-target)).length === 0;
}

/**
 * Signalling our own group would stop the server (and the terminal's other
 * programs), and pids 0 and 1 are never a workload: such a pid is a bug.
 */
async function refuseOwnGroup(pid: number): Promise<void> {
  const own = await readGroupIds(process.pid);
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid || pid === own?.pgrp) {
    throw new RangeError(`refusing to stop pid ${pid}: it is not a workload's process group`);
  }
}
