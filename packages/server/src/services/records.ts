import type { InstanceState, ServiceSpec } from '@codedance/core';

/** Store kinds owned by the service feature. */
export const SERVICE_KIND = 'service';
export const SERVICE_INSTANCE_KIND = 'service-instance';

/** How many exit codes an instance remembers, for the crash-loop report. */
export const EXIT_CODE_HISTORY = 5;

/**
 * What the API writes: the definition, and the generation a rolling restart
 * moves every instance to. Bumping the generation is how a restart is asked
 * for, so a server killed in the middle of one finishes it after its restart.
 */
export interface ServiceData {
  spec: ServiceSpec;
  generation: number;
}

export type DesiredState = 'running' | 'stopped';

export interface ExitRecord {
  code: number | null;
  signal: string | null;
  /** False when the process was lost (re-adopted, or gone while the server was down). */
  known: boolean;
  at: string;
}

/** What the supervisor writes for one instance; the source of truth after a restart. */
export interface InstanceData {
  service: string;
  instance: number;
  state: InstanceState;
  /** What a person last asked for; written before acting on it. */
  desired: DesiredState;
  /** The service generation this instance's process was started at. */
  generation: number;
  pid: number | null;
  /** With the pid, identifies the process when a new server re-adopts it. */
  startTicks: number | null;
  startedAt: string | null;
  readyAt: string | null;
  restarts: number;
  /** Epoch milliseconds of recent restarts, for crash-loop detection. */
  recentRestarts: number[];
  /** The base delay of the last backoff, which the next one grows from. */
  lastDelayMs: number | null;
  lastExit: ExitRecord | null;
  /** Newest last: exit code, or the signal name, or null when unknown. */
  lastExitCodes: (number | string | null)[];
  /** When a restart waiting in backoff is due. */
  nextRestartAt: string | null;
  /** Why the instance is down, when it is stopped, crash-looping or errored. */
  reason: string | null;
}

/** An instance's store id is scoped by its service so two services never collide. */
export function instanceRecordId(service: string, instance: number): string {
  return `${service}/${instance}`;
}

/** A fresh record for an instance that has never run. */
export function newInstanceData(
  service: string,
  instance: number,
  desired: DesiredState,
  generation: number,
): InstanceData {
  return {
    service,
    instance,
    state: 'stopped',
    desired,
    generation,
    pid: null,
    startTicks: null,
    startedAt: null,
    readyAt: null,
    restarts: 0,
    recentRestarts: [],
    lastDelayMs: null,
    lastExit: null,
    lastExitCodes: [],
    nextRestartAt: null,
    reason: null,
  };
}
