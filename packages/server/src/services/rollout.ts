import type { ServiceInstance } from './instance.js';

/** What a rolling restart reads and steers; the supervisor's entry for one service. */
export interface RolloutTarget {
  readonly name: string;
  readonly instances: readonly ServiceInstance[];
  /** The generation every wanted instance should run. */
  readonly generation: number;
  /** Set by a stop or a delete: the rollout ends after the current step. */
  halted: boolean;
}

/**
 * The next instance to replace, or null when the rollout is done or must
 * wait. Instances are replaced lowest number first, and only while every
 * instance already replaced is serving, so capacity never drops by more
 * than one instance.
 */
export function nextToReplace(target: RolloutTarget): ServiceInstance | 'wait' | null {
  const wanted = target.instances.filter((i) => i.data().desired === 'running');
  const next = wanted.find((i) => i.data().generation < target.generation);
  if (!next) return null;
  const replaced = wanted.filter((i) => i.data().generation >= target.generation);
  const serving = replaced.every(
    (i) => i.data().state === 'online' || i.data().state === 'stopped',
  );
  return serving ? next : 'wait';
}

/** True when some wanted instance runs an older generation. */
export function isStale(target: RolloutTarget): boolean {
  return target.instances.some(
    (i) => i.data().desired === 'running' && i.data().generation < target.generation,
  );
}

/**
 * Replaces stale instances one at a time, each waiting until the new
 * process is ready before the next. Pauses (returns) when a replaced
 * instance does not become ready: the others keep serving the previous
 * definition, and the supervisor resumes when that instance turns online.
 */
export async function roll(target: RolloutTarget, closed: () => boolean): Promise<void> {
  // Read afresh after every await: a stop may have come in meanwhile.
  const ended = () => closed() || target.halted;
  for (;;) {
    if (ended()) return;
    const next = nextToReplace(target);
    if (next === null) return;
    if (next === 'wait') {
      const pending = target.instances.filter(
        (i) => i.data().desired === 'running' && i.data().generation >= target.generation,
      );
      const states = await Promise.all(pending.map((i) => i.settled()));
      if (states.some((s) => s !== 'online' && s !== 'stopped')) return;
      continue;
    }
    await next.restart('rolling restart');
    const state = await next.settled();
    if (state !== 'online' && !ended()) {
      next.note(
        'WARNING',
        `rolling restart paused: instance ${next.index} is ${state}, not online`,
      );
      return;
    }
  }
}
