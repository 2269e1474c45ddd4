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
 * Reads `sample` once a second until it has stayed within `tolerance`
 * (relative) for a whole `windowMs`; returns the last read and whether it
 * settled. The window is long on purpose: a V8 process gives back the heap it
 * grew while loading some seconds after it goes idle (its memory reducer), and
 * the resident set a user sees at rest is the one after that.
 */
export async function settled(
  sample,
  { tolerance = 0.01, windowMs = 12_000, timeoutMs = 60_000 } = {},
) {
  const deadline = now() + timeoutMs;
  const reads = [{ at: now(), value: sample() }];
  for (;;) {
    await delay(1000);
    const current = { at: now(), value: sample() };
    reads.push(current);
    // Keep the reads of the last window, and the one just before it.
    while (reads.length > 2 && current.at - reads[1].at >= windowMs) reads.shift();
    const values = reads.map((read) => read.value);
    const high = Math.max(...values);
    const steady = high - Math.min(...values) < tolerance * Math.max(high, 1);
    if (steady && current.at - reads[0].at >= windowMs)
      return { value: current.value, settled: true };
    if (now() > deadline) return { value: current.value, settled: false };
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
