import { describe, expect, it } from 'vitest';
import type { InstanceView, ServiceView } from '../services/index.js';
import { workloadOf, serviceName } from './names.js';
import { observationOf } from './observe.js';

function instance(extra: Partial<InstanceView>): InstanceView {
  return {
    instance: 0,
    state: 'online',
    desired: 'running',
    pid: 4242,
    port: 20_000,
    generation: 1,
    restarts: 0,
    startedAt: '2031-01-01T00:00:00.000Z',
    readyAt: '2031-01-01T00:00:01.000Z',
    uptimeSeconds: 5,
    cpuPercent: null,
    rssBytes: null,
    lastExit: null,
    lastExitCodes: [],
    nextRestartAt: null,
    reason: null,
    ...extra,
  };
}

function service(instances: InstanceView[]): ServiceView {
  return { generation: 1, desired: instances.length, instances } as unknown as ServiceView;
}

const ref = { environment: 'prod', name: 'shop.v2' };

describe('workload names', () => {
  it('splits a service name at its first dot, and only for a valid environment', () => {
    expect(serviceName(ref)).toBe('prod.shop.v2');
    expect(workloadOf('prod.shop.v2')).toEqual(ref);
    expect(workloadOf('web')).toBeNull();
    expect(workloadOf('Tools.x')).toBeNull();
    expect(workloadOf('prod.')).toBeNull();
  });
});

describe('observationOf', () => {
  it('maps every instance state to a phase', () => {
    const phases = (
      [
        ['starting', 'starting'],
        ['online', 'ready'],
        ['unready', 'unready'],
        ['stopping', 'stopping'],
        ['backoff', 'restarting'],
        ['crashloop', 'crash-looping'],
        ['errored', 'failed'],
      ] as const
    ).map(([state]) => observationOf(ref, service([instance({ state })])).instances[0]?.phase);
    expect(phases).toEqual([
      'starting',
      'ready',
      'unready',
      'stopping',
      'restarting',
      'crash-looping',
      'failed',
    ]);
  });

  it('tells an instance not started yet from one whose process ended', () => {
    const pending = instance({ state: 'stopped', pid: null, lastExit: null });
    const ended = instance({
      instance: 1,
      state: 'stopped',
      pid: null,
      lastExit: { code: 0, signal: null, known: true, at: '2031-01-01T00:00:09.000Z' },
    });
    const seen = observationOf(ref, service([pending, ended]));
    expect(seen.instances.map((i) => [i.id, i.phase, i.startedAt])).toEqual([
      ['0-g1', 'pending', null],
      ['1-g1', 'exited', null],
    ]);
    expect(seen.instances[1]?.lastExit).toEqual({
      code: 0,
      signal: null,
      reason: 'exited with code 0',
      at: Date.parse('2031-01-01T00:00:09.000Z'),
    });
  });

  it('leaves out what was stopped on purpose, and calls the workload stopped when all is', () => {
    const stopped = instance({ state: 'stopped', desired: 'stopped', pid: null });
    const stopping = instance({ instance: 1, state: 'stopping', desired: 'stopped' });
    const seen = observationOf(ref, service([stopped, stopping]));
    expect(seen.stopped).toBe(true);
    expect(seen.instances.map((i) => i.id)).toEqual(['1-g1']);
    expect(observationOf(ref, service([instance({})])).stopped).toBe(false);
  });

  it('puts the process id in the details only', () => {
    const seen = observationOf(ref, service([instance({ generation: 3 })]));
    expect(seen.instances[0]).toMatchObject({
      id: '0-g3',
      revision: 3,
      ready: true,
      endpoint: { address: '127.0.0.1', port: 20_000 },
      details: { pid: 4242, slot: 0 },
    });
    expect(Object.keys(seen.instances[0] ?? {})).not.toContain('pid');
  });
});
