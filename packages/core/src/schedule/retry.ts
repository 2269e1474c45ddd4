/** How the wait between retries grows. */
export const RETRY_BACKOFFS = ['fixed', 'exponential'] as const;
export type RetryBackoff = (typeof RETRY_BACKOFFS)[number];

export interface RetryDelayOptions {
  /** The base wait, in seconds. */
  delaySeconds: number;
  backoff: RetryBackoff;
  /** Spread as a fraction of the wait (0.1 = ±10 %), so retries of many tasks do not align. */
  jitter: number;
  /** Upper bound of any wait, in seconds; 3600 when absent. */
  maxDelaySeconds?: number;
}

/**
 * Milliseconds to wait before retry number `attempt` (1 = the first retry).
 * Exponential waits double per attempt. The result is a whole number of
 * milliseconds in `[0, maxDelaySeconds·1000]`; `random` returns [0, 1).
 */
export function retryDelayMs(
  attempt: number,
  options: RetryDelayOptions,
  random: () => number = Math.random,
): number {
  const capMs = Math.max(0, (options.maxDelaySeconds ?? 3600) * 1000);
  const step = Math.max(1, Math.floor(attempt));
  // Capping the exponent keeps 2^n finite; the cap in milliseconds bounds the rest.
  const growth = options.backoff === 'exponential' ? 2 ** Math.min(step - 1, 52) : 1;
  const base = Math.min(capMs, Math.max(0, options.delaySeconds) * 1000 * growth);
  return jittered(base, options.jitter, random, capMs);
}

/**
 * `value` moved by up to ±`fraction` of itself, rounded and kept in
 * `[0, max]`. Shared by task retries and service restarts.
 */
export function jittered(
  value: number,
  fraction: number,
  random: () => number,
  max: number,
): number {
  const spread = Math.min(1, Math.max(0, fraction));
  const moved = value * (1 + spread * (2 * random() - 1));
  return Math.round(Math.min(max, Math.max(0, moved)));
}
