import type { InstanceState, ServiceStatus } from '../services/status.js';
import { serviceStatus } from '../services/status.js';
import type {
  InstancePhase,
  WorkloadChange,
  WorkloadInstance,
  WorkloadObservation,
} from './types.js';

/** Whether two views of an instance differ in anything but their runtime's details. */
function sameInstance(a: WorkloadInstance, b: WorkloadInstance): boolean {
  const { details: _a, ...left } = a;
  const { details: _b, ...right } = b;
  return JSON.stringify(left) === JSON.stringify(right);
}

/**
 * The changes that lead from one observation of a workload to the next (null: there is none),
 * in the order a watcher reads them: the workload itself, the instances that left, then the
 * instances that appeared or changed.
 */
export function observationChanges(
  previous: WorkloadObservation | null,
  next: WorkloadObservation | null,
): WorkloadChange[] {
  if (next === null) return previous === null ? [] : [{ type: 'removed', ref: previous.ref }];
  const { ref, revision, replicas, stopped } = next;
  const changes: WorkloadChange[] = [];
  if (
    previous === null ||
    previous.revision !== revision ||
    previous.replicas !== replicas ||
    previous.stopped !== stopped
  ) {
    changes.push({ type: 'workload', ref, revision, replicas, stopped });
  }
  const before = new Map((previous?.instances ?? []).map((i) => [i.id, i]));
  const now = new Set(next.instances.map((i) => i.id));
  for (const id of before.keys()) {
    if (!now.has(id)) changes.push({ type: 'instance-gone', ref, id });
  }
  for (const instance of next.instances) {
    const was = before.get(instance.id);
    if (was === undefined || !sameInstance(was, instance)) {
      changes.push({ type: 'instance', ref, instance });
    }
  }
  return changes;
}

/** The instance state a phase stands for, as the service status sums them. */
const STATE_OF: Readonly<Record<InstancePhase, InstanceState>> = {
  pending: 'stopped',
  starting: 'starting',
  ready: 'online',
  unready: 'unready',
  stopping: 'stopping',
  restarting: 'backoff',
  exited: 'stopped',
  'crash-looping': 'crashloop',
  failed: 'errored',
};

/**
 * A workload's status summed over its instances, by the rules of a service's: trouble wins
 * (CRASHLOOP, then ERRORED), ONLINE when every instance is ready, STOPPED when none runs.
 */
export function workloadStatus(observation: Pick<WorkloadObservation, 'instances'>): ServiceStatus {
  return serviceStatus(observation.instances.map((i) => STATE_OF[i.phase]));
}

/** How many of a workload's instances are ready. */
export function readyCount(observation: Pick<WorkloadObservation, 'instances'>): number {
  return observation.instances.filter((i) => i.ready).length;
}
