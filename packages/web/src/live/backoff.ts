export interface BackoffOptions {
  /** The first delay, before jitter. */
  baseMs: number;
  /** No delay grows past this, before jitter. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000 };

/**
 * How long to wait before reconnection attempt `attempt` (0 for the first):
 * the delay doubles per failed attempt up to a cap, and a random half of it
 * is dropped ("equal jitter"), so a hundred tabs that lost the server at the
 * same moment do not come back at the same moment.
 */
export function reconnectDelay(
  attempt: number,
  random: () => number = Math.random,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
