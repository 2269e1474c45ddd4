import type { EventName } from './types.js';

/** Every event name, for validating what clients ask for. */
export const EVENT_NAMES = [
  'task.status',
  'task.run.started',
  'task.run.finished',
  'service.status',
  'service.instance',
  'service.restart',
  'workload.log',
  'deployment.status',
  'deployment.progress',
] as const satisfies readonly EventName[];

// Fails to compile when an event is added to WorkloadEvents but not listed above.
type NoneMissing<T extends never> = T;
type _EveryEventListed = NoneMissing<Exclude<EventName, (typeof EVENT_NAMES)[number]>>;

/** True when `name` is a known event name. */
export function isEventName(name: string): name is EventName {
  return (EVENT_NAMES as readonly string[]).includes(name);
}
