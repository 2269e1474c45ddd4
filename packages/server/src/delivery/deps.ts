import type { Logger } from 'pino';
import {
  CodedanceError,
  type MetricsSource,
  type TrafficRouter,
  type WorkloadRuntime,
} from '@codedance/core';
import type { DeliveryBook } from './book.js';

/** What the release controller's parts reach the world through. */
export interface ReconcilerDeps {
  book: DeliveryBook;
  /** Carries each app's traffic split: the built-in router unless another is given. */
  traffic: TrafficRouter;
  /** Counts each version's requests, errors and latencies: the built-in router's unless another. */
  metrics: MetricsSource;
  /** Runs the versions: each side is one workload. */
  runtime: WorkloadRuntime;
  logger: Logger;
  env: NodeJS.ProcessEnv;
  clock: () => number;
  host: string;
}

/** Runs `work` after every earlier piece of work on `key`, one at a time. */
export type Locked = <T>(key: string, work: () => Promise<T>) => Promise<T>;

/** Refuses an action that the app's or the release's state does not allow (409). */
export function stateConflict(message: string): CodedanceError {
  return new CodedanceError('CD_INVALID_STATE', { message });
}
