/** A service's status, summed over its instances. */
export const SERVICE_STATUSES = [
  'STARTING',
  'ONLINE',
  'STOPPING',
  'STOPPED',
  'CRASHLOOP',
  'ERRORED',
] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

/**
 * One instance's state. `online` means ready (its readiness check passed);
 * `unready` is running but failing or not yet passing it; `backoff` waits
 * to be restarted; `errored` could not be started at all.
 */
export const INSTANCE_STATES = [
  'starting',
  'online',
  'unready',
  'stopping',
  'stopped',
  'backoff',
  'crashloop',
  'errored',
] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

/**
 * The service's status from its instances' states. Trouble wins: any
 * crash-looping instance makes the service CRASHLOOP, then any errored one
 * ERRORED. A service is ONLINE when every instance that is not stopped is
 * online, STOPPED when all are stopped (or it has none), and STARTING while
 * any is still starting, unready or waiting to restart.
 */
export function serviceStatus(states: readonly InstanceState[]): ServiceStatus {
  const any = (state: InstanceState) => states.includes(state);
  if (any('crashloop')) return 'CRASHLOOP';
  if (any('errored')) return 'ERRORED';
  if (states.every((s) => s === 'stopped')) return 'STOPPED';
  if (any('stopping')) return 'STOPPING';
  if (states.every((s) => s === 'online' || s === 'stopped')) return 'ONLINE';
  return 'STARTING';
}
