import type { WorkloadEvent, WorkloadInstance } from '@codedance/core';

/** A workload as a watcher knows it from the events alone. */
export interface Replayed {
  exists: boolean;
  revision: number | null;
  replicas: number | null;
  stopped: boolean | null;
  instances: Map<string, WorkloadInstance>;
}

export function emptyReplay(): Replayed {
  return { exists: false, revision: null, replicas: null, stopped: null, instances: new Map() };
}

/** Applies one event to what a watcher knows (events of other workloads are the caller's to skip). */
export function replay(state: Replayed, event: WorkloadEvent): void {
  switch (event.type) {
    case 'workload':
      state.exists = true;
      state.revision = event.revision;
      state.replicas = event.replicas;
      state.stopped = event.stopped;
      return;
    case 'instance':
      state.instances.set(event.instance.id, event.instance);
      return;
    case 'instance-gone':
      state.instances.delete(event.id);
      return;
    case 'removed':
      state.exists = false;
      state.instances.clear();
      return;
  }
}

/** Ready instances a watcher counts after each event, from the first event on. */
export function readyAlong(events: readonly WorkloadEvent[], from: Replayed): number[] {
  const state: Replayed = { ...from, instances: new Map(from.instances) };
  return events.map((event) => {
    replay(state, event);
    return [...state.instances.values()].filter((i) => i.ready).length;
  });
}
