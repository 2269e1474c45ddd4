import type { VersionWindow } from '../../analysis/index.js';
import type { ServiceStatus } from '../../services/status.js';
import type { HookSpec } from '../manifest.js';
import type { AppRecord, Deployment, HookName, ServingSide } from '../record.js';

/*
 * What `decide` reads and what it asks for: plain data on both sides. The server gathers the
 * observations (the supervisor, the router, the store), calls `decide`, and carries out the
 * actions in order.
 */

/** One version's supervised service, as the supervisor sees it now. */
export interface SideObservation {
  /** Whether the supervisor has a service for it at all. */
  exists: boolean;
  status: ServiceStatus | null;
  /** Instances the service is asked to run, and how many of them are ready. */
  desired: number;
  ready: number;
  /**
   * Why it does not run, when it is CRASHLOOP or ERRORED: the error that kept an instance from
   * starting or how its process keeps ending, and the last lines it wrote.
   */
  failure: string | null;
}

/** A router table: who gets what share of requests, and on which backends. */
export interface TrafficTable {
  versions: { version: string; weight: number; backends: string[] }[];
  /** The version `x-canary: never` selects. */
  stable: string;
  /** The version `x-canary: always` selects. */
  canary: string;
  sticky: boolean;
  headerRouting: boolean;
}

/** What the app's router answered: the table it serves; null when it does not answer. */
export interface RouterObservation {
  table: TrafficTable | null;
  pid: number | null;
}

/**
 * One version's traffic in a measured window, as the judge reads it, plus the router's
 * latency percentiles (p50 and p90 when the router gives them).
 */
export type MeasuredVersion = VersionWindow & { p99Ms: number; p50Ms?: number; p90Ms?: number };

/** What the router counted per version over `[from, to)` (epoch ms, widened to seconds). */
export interface MeasuredWindow {
  from: number;
  to: number;
  versions: Record<string, MeasuredVersion>;
}

/** The windows a `measure` action asked for, taken at `at`. */
export interface Measurement {
  at: number;
  /** Since the step began watching: what the baseline comparison reads. */
  step: MeasuredWindow | null;
  /** The last interval: what the thresholds read. */
  recent: MeasuredWindow | null;
  /** The last few seconds, for the record's trend series. */
  trend: MeasuredWindow | null;
}

/** Everything `decide` knows of the world besides the record and the time. */
export interface Observations {
  /** The app; null when it was deleted. */
  app: AppRecord | null;
  /** The supervised services named in the record and the app, by service name. */
  sides: Readonly<Record<string, SideObservation>>;
  router: RouterObservation;
  /** Where versions listen (backends are `host:port`). */
  host: string;
  /** The answer to the `measure` action of the previous decision, if it asked for one. */
  measured: Measurement | null;
}

/** A window to measure, `[from, to)` in epoch ms. */
export type Span = readonly [from: number, to: number];

/**
 * One thing to do. Every action is idempotent or recorded before it is done: a controller
 * killed between two actions and started again decides afresh from what it then observes.
 */
export type Action =
  /** Write the release's record, whole (this is how every transition is made). */
  | { kind: 'save'; record: Deployment }
  /** Write the app's record, whole. */
  | { kind: 'saveApp'; app: AppRecord }
  /** Make the side's service exist with `instances` instances, started. */
  | { kind: 'startSide'; side: ServingSide; instances: number }
  /** Scale an existing side's service to `instances` (nothing when it is gone). */
  | { kind: 'scaleSide'; service: string; instances: number }
  /** Stop and remove a side's service (nothing when it is gone). */
  | { kind: 'stopSide'; service: string }
  /** Give the router this table. */
  | { kind: 'setTable'; table: TrafficTable }
  /**
   * Run a hook of the current step: the server records the run before it starts and its outcome
   * after, in the record's hook ledger. Always the last action of a decision.
   */
  | { kind: 'runHook'; hook: HookName; step: number; spec: HookSpec }
  /** Count the router's traffic over these windows and decide again with the answer. */
  | {
      kind: 'measure';
      at: number;
      step: Span | null;
      recent: Span | null;
      trend: Span | null;
    };

export type ActionKind = Action['kind'];
