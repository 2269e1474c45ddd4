import { describe, expect, it } from 'vitest';
import { observationChanges, readyCount, workloadStatus } from './changes.js';
import type { InstancePhase, WorkloadInstance, WorkloadObservation } from './types.js';

const ref = { environment: 'test', name: 'web' };

function instance(id: string, phase: InstancePhase, extra: Partial<WorkloadInstance> = {}) {
  return {
    id,
    revision: 1,
    phase,
    ready: phase === 'ready',
    readySince: null,
    endpoint: { address: '127.0.0.1', port: 20_000 },
    restarts: 0,
    startedAt: 1000,
    lastExit: null,
    message: null,
    details: {},
    ...extra,
  } satisfies WorkloadInstance;
}

function observed(instances: WorkloadInstance[], extra: Partial<WorkloadObservation> = {}) {
  return { ref, revision: 1, replicas: instances.length, stopped: false, instances, ...extra };
}

describe('observationChanges', () => {
  it('announces a new workload, then each of its instances', () => {
    const next = observed([instance('0', 'starting'), instance('1', 'pending')]);
    expect(observationChanges(null, next).map((c) => c.type)).toEqual([
      'workload',
      'instance',
      'instance',
    ]);
  });

  it('says nothing when only the details changed', () => {
    const before = observed([instance('0', 'ready', { details: { pid: 1 } })]);
    const after = observed([instance('0', 'ready', { details: { pid: 1, cpu: 3 } })]);
    expect(observationChanges(before, after)).toEqual([]);
  });

  it('reports a replacement as the old instance gone, then the new one', () => {
    const before = observed([instance('0-g1', 'ready')]);
    const after = observed([instance('0-g2', 'starting', { revision: 2 })], { revision: 2 });
    expect(observationChanges(before, after)).toEqual([
      { type: 'workload', ref, revision: 2, replicas: 1, stopped: false },
      { type: 'instance-gone', ref, id: '0-g1' },
      { type: 'instance', ref, instance: after.instances[0] },
    ]);
  });

  it('reports a removal once', () => {
    expect(observationChanges(observed([]), null)).toEqual([{ type: 'removed', ref }]);
    expect(observationChanges(null, null)).toEqual([]);
  });
});

describe('workloadStatus', () => {
  it('sums phases as a service sums its instance states', () => {
    const status = (...phases: InstancePhase[]) =>
      workloadStatus({ instances: phases.map((p, i) => instance(String(i), p)) });
    expect(status()).toBe('STOPPED');
    expect(status('ready', 'ready')).toBe('ONLINE');
    expect(status('ready', 'starting')).toBe('STARTING');
    expect(status('ready', 'crash-looping', 'failed')).toBe('CRASHLOOP');
    expect(status('ready', 'failed')).toBe('ERRORED');
    expect(status('ready', 'stopping')).toBe('STOPPING');
    expect(status('exited', 'pending')).toBe('STOPPED');
    expect(status('ready', 'restarting')).toBe('STARTING');
  });

  it('counts the ready instances', () => {
    expect(readyCount({ instances: [instance('0', 'ready'), instance('1', 'unready')] })).toBe(1);
  });
});
