// Waiting on conditions with deadlines instead of fixed sleeps.
import { setTimeout as delay } from 'node:timers/promises';

export { delay };

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export const now = () => performance.now();

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export const epochNow = () => performance.timeOrigin + performance.now();

/**
 * Calls `check` every `everyMs` until it returns something other than
 * undefined/false, and returns that; throws `what` after `timeoutMs`.
 */
export async function until(
  check,
  { everyMs = 10, timeoutMs = 30_000, what = 'a condition' } = {},
) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(everyMs);
  }
}

/**
 * Reads `sample` once a second until two reads in a row differ by less than
 * `tolerance` (relative); returns the last read and whether it settled.
 */
export async function settled(sample, { tolerance = 0.01, timeoutMs = 30_000 } = {}) {
  const deadline = now() + timeoutMs;
  let previous = sample();
  for (;;) {
    await delay(1000);
    const current = sample();
    if (Math.abs(current - previous) < tolerance * Math.max(previous, 1)) {
      return { value: current, settled: true };
    }
    if (now() > deadline) return { value: current, settled: false };
    previous = current;
  }
}

/** CPU seconds per second that `cpuSeconds` grows by over `windowMs`. */
export async function cpuRate(cpuSeconds, windowMs) {
  const before = cpuSeconds();
  const started = now();
  await delay(windowMs);
  return (cpuSeconds() - before) / ((now() - started) / 1000);
}

/**
 * Waits until the processes are back to their idle CPU use: a whole window of
 * `windowMs` in which they used at most `idleRate` (+ 2 % of a core).
 * Returns whether that happened before the deadline.
 */
export async function quiet(
  cpuSeconds,
  { idleRate = 0, windowMs = 1500, timeoutMs = 30_000 } = {},
) {
  const deadline = now() + timeoutMs;
  for (;;) {
    if ((await cpuRate(cpuSeconds, windowMs)) <= idleRate + 0.02) return true;
    if (now() > deadline) return false;
  }
}
