import type { InstanceData } from './records.js';

/**
 * What a new server does with an instance record it finds, given whether
 * the recorded process is still alive (re-adopted):
 * - `finish-stop` / `finish-restart`: a stop or a restart was under way;
 * - `watch`: it runs and should; watch it again;
 * - `settle-stopped`: it was meant to stop and is gone; say so;
 * - `lost`: it should run but ended while no server watched; apply the restart policy;
 * - `backoff`: a restart was waiting; wait out what is left of it;
 * - `spawn`: it should run and never got a process;
 * - `none`: it is down on purpose (stopped, crash-looping, errored) until a person acts.
 */
export type ResumeStep =
  | 'finish-stop'
  | 'finish-restart'
  | 'watch'
  | 'settle-stopped'
  | 'lost'
  | 'backoff'
  | 'spawn'
  | 'none';

export function resumeStep(record: InstanceData, adopted: boolean): ResumeStep {
  const { state, desired, pid } = record;
  if (adopted) {
    if (desired === 'stopped') return 'finish-stop';
    return state === 'stopping' ? 'finish-restart' : 'watch';
  }
  if (desired === 'stopped') return state === 'stopped' ? 'none' : 'settle-stopped';
  if (pid !== null && (state === 'starting' || state === 'online' || state === 'unready')) {
    return 'lost';
  }
  if (state === 'backoff') return 'backoff';
  if (state === 'starting' || state === 'online' || state === 'unready' || state === 'stopping') {
    return 'spawn';
  }
  return 'none';
}
