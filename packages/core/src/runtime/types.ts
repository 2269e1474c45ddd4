import type { WorkloadRef, WorkloadSpecInput } from './spec.js';

/**
 * Where an instance is in its life:
 * - `pending`: asked for, not started yet;
 * - `starting`: running, its readiness check not passed yet;
 * - `ready`: running and passing its readiness check: it may take traffic;
 * - `unready`: running, but its readiness check failed past its time;
 * - `stopping`: asked to end, not ended yet;
 * - `restarting`: its process ended and is started again after a back-off;
 * - `exited`: its process ended and is not started again;
 * - `crash-looping`: it ended too often in too short a time; it waits for a person;
 * - `failed`: it could not be started at all (no such program, no such image…).
 */
export const INSTANCE_PHASES = [
  'pending',
  'starting',
  'ready',
  'unready',
  'stopping',
  'restarting',
  'exited',
  'crash-looping',
  'failed',
] as const;
export type InstancePhase = (typeof INSTANCE_PHASES)[number];

/** Where an instance listens. */
export interface Endpoint {
  address: string;
  port: number;
}

/** How an instance's process last ended. */
export interface ExitReason {
  /** The exit code; null when it was killed by a signal or its end was not seen. */
  code: number | null;
  signal: string | null;
  /** For people: "exited with code 3", "killed by SIGKILL", "was lost (exit status unknown)". */
  reason: string;
  /** Epoch ms. */
  at: number;
}

/** Values a runtime adds about an instance for people and its own tools; never relied upon. */
export type InstanceDetails = Readonly<Record<string, string | number | boolean | null>>;

/** One instance of a workload as its runtime sees it now. */
export interface WorkloadInstance {
  /**
   * Opaque and stable for the instance's life: the same across restarts of its process, and a
   * new one when an update replaces it.
   */
  id: string;
  /** The workload revision it runs. */
  revision: number;
  phase: InstancePhase;
  /** Whether it passes its readiness check: `phase === 'ready'`. */
  ready: boolean;
  /** Epoch ms since when it is ready; null when it is not. */
  readySince: number | null;
  /** Where it listens; null when the workload has no port. */
  endpoint: Endpoint | null;
  /** How often its process was started again after it ended. */
  restarts: number;
  /** Epoch ms its current process started; null when none runs. */
  startedAt: number | null;
  lastExit: ExitReason | null;
  /** Why it is not running, when it is not: a start that failed, a crash loop, a stop. */
  message: string | null;
  details: InstanceDetails;
}

/** A workload as its runtime sees it now. */
export interface WorkloadObservation {
  ref: WorkloadRef;
  /** Goes up with every update that changes what runs; instances say which one they run. */
  revision: number;
  replicas: number;
  /** True after `stop`, until `scale` starts it again. */
  stopped: boolean;
  /** Stopped instances are left out. */
  instances: WorkloadInstance[];
}

/** One change seen by a runtime, without its place in the stream. */
export type WorkloadChange =
  | { type: 'workload'; ref: WorkloadRef; revision: number; replicas: number; stopped: boolean }
  | { type: 'instance'; ref: WorkloadRef; instance: WorkloadInstance }
  | { type: 'instance-gone'; ref: WorkloadRef; id: string }
  | { type: 'removed'; ref: WorkloadRef };

/**
 * A change, numbered: `seq` goes up by one with every event of a runtime, in the order the
 * changes happened; `at` is the runtime's clock (epoch ms).
 * - `workload`: it appeared, or its revision, replicas or stopped state changed;
 * - `instance`: an instance appeared or changed (the whole instance as it now is);
 * - `instance-gone`: an instance was removed, stopped or replaced;
 * - `removed`: the workload is gone.
 */
export type WorkloadEvent = WorkloadChange & { seq: number; at: number };

/** Which workloads a watcher hears of; everything when empty. */
export interface WatchFilter {
  environment?: string;
  name?: string;
}

/**
 * Runs named workloads somewhere: processes on this host, pods in a cluster. Every method names
 * the workload by environment and name; the same name in two environments is two workloads.
 *
 * Refusals are `CodedanceError`s: `CD_VALIDATION_FAILED` (a bad spec, ref or replica count,
 * with every problem and its path), `CD_NOT_FOUND` (no such workload), `CD_ALREADY_EXISTS`.
 * Operations on one workload are carried out in the order they were called.
 */
export interface WorkloadRuntime {
  /** A short name for logs and errors: `local`, `kubernetes`. */
  readonly kind: string;
  /** Defines and starts a workload; resolves once its instances are started, not yet ready. */
  create(spec: WorkloadSpecInput): Promise<WorkloadObservation>;
  /**
   * Replaces a workload's spec. When what runs changes, its instances are replaced one at a
   * time, each new one ready before the next old one goes; resolves once that has begun.
   * A stopped workload stays stopped.
   */
  update(spec: WorkloadSpecInput): Promise<WorkloadObservation>;
  /** Runs `replicas` instances (1 or more); a stopped workload starts again. */
  scale(ref: WorkloadRef, replicas: number): Promise<WorkloadObservation>;
  /** Stops every instance and resolves once they have ended; the workload stays defined. */
  stop(ref: WorkloadRef): Promise<WorkloadObservation>;
  /** Stops and forgets a workload; false when there was none. */
  remove(ref: WorkloadRef): Promise<boolean>;
  /** The workload now; null when there is none. */
  observe(ref: WorkloadRef): Promise<WorkloadObservation | null>;
  /**
   * Up to `limit` of the newest lines the workload's instances wrote, oldest first (secrets
   * masked), for saying why it fails; a runtime may look back only so far.
   */
  recentOutput(ref: WorkloadRef, limit: number): Promise<string[]>;
  /**
   * Tells `listener` of every change from now on, in order; returns the unsubscribe. Observe
   * after subscribing to learn where things stand. A listener that throws is not called again.
   */
  watch(filter: WatchFilter, listener: (event: WorkloadEvent) => void): () => void;
}
