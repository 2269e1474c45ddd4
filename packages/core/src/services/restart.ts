import { jittered } from '../schedule/index.js';
import type { RestartPolicy, ServiceBackoff, ServiceCrashloop } from './schema.js';

export interface RestartInput {
  policy: RestartPolicy;
  /** How the process ended; `known: false` when it was lost rather than seen to exit. */
  exit: { code: number | null; signal: string | null; known: boolean };
  stoppedByUser: boolean;
  /** How long the process ran before it ended. */
  uptimeMs: number;
  /** The `baseDelayMs` of the previous restart decision; null for the first restart. */
  previousDelayMs: number | null;
  /** Epoch milliseconds of earlier restarts of this instance. */
  recentRestarts: readonly number[];
  now: number;
  backoff: ServiceBackoff;
  crashloop: ServiceCrashloop;
}

/**
 * `delayMs` is the jittered wait; keep `baseDelayMs` and pass it back as
 * `previousDelayMs`, so the jitter does not compound from one restart to
 * the next.
 */
export type RestartDecision =
  | { action: 'restart'; delayMs: number; baseDelayMs: number }
  | { action: 'stay-stopped'; reason: string }
  | { action: 'crashloop'; reason: string };

/**
 * What to do when a service instance's process has ended. Never restarts
 * what a person stopped. A crash loop (max_restarts within window_ms) is
 * final: the instance stays in CRASHLOOP until a person restarts it.
 */
export function decideRestart(
  input: RestartInput,
  random: () => number = Math.random,
): RestartDecision {
  if (input.stoppedByUser) return { action: 'stay-stopped', reason: 'stopped by a person' };
  if (input.policy === 'never') {
    return { action: 'stay-stopped', reason: 'the restart policy is never' };
  }
  const { code, signal, known } = input.exit;
  if (input.policy === 'on-failure' && known && signal === null && code === 0) {
    return { action: 'stay-stopped', reason: 'exited with code 0 and restarts only on failure' };
  }
  const { max_restarts: limit, window_ms: window } = input.crashloop;
  const recent = input.recentRestarts.filter((t) => t <= input.now && input.now - t < window);
  if (recent.length >= limit) {
    return {
      action: 'crashloop',
      reason: `restarted ${recent.length} times within ${formatSeconds(window)}; waiting for a person`,
    };
  }
  const {
    initial_ms: initial,
    max_ms: max,
    multiplier,
    jitter,
    reset_after_ms: healthy,
  } = input.backoff;
  // The first crash after a healthy run is restarted at once, as PM2 does: most crashes are
  // one-offs and every millisecond is downtime. Only a crash that follows a restart backs off.
  const base =
    input.previousDelayMs === null || input.uptimeMs >= healthy
      ? 0
      : Math.min(max, Math.max(initial, input.previousDelayMs * multiplier));
  return { action: 'restart', delayMs: jittered(base, jitter, random, max), baseDelayMs: base };
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
