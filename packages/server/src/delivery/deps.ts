import type { Logger } from 'pino';
import { CodedanceError, type Deployment } from '@codedance/core';
import type { ServiceSupervisor } from '../services/index.js';
import type { AppRecord, DeliveryBook, ServingSide } from './book.js';
import type { RouterFleet } from './fleet.js';

/** What the release controller's parts reach the world through. */
export interface ReconcilerDeps {
  book: DeliveryBook;
  fleet: RouterFleet;
  services: () => ServiceSupervisor;
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

/** The new version's side of a release, with what it runs. */
export function canarySide(d: Deployment): ServingSide {
  return { ...d.resources.canary, run: d.run };
}

/** The stable side of a release, with what it runs (the app's run when its own is not known). */
export function stableSide(d: Deployment, record: AppRecord): ServingSide | null {
  const stable = d.resources.stable;
  if (stable === null) return null;
  const run = record.stable?.version === stable.version ? record.stable.run : record.spec.run;
  return { ...stable, run };
}
