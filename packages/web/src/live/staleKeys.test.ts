import { describe, expect, it } from 'vitest';
import type { BusEvent } from '../api/types';
import { staleKeys } from './LiveProvider';

const event = (type: string, data: Record<string, unknown>): BusEvent => ({
  seq: 1,
  time: '2026-12-07T19:34:00.000Z',
  type,
  data,
});

describe('what an event makes stale', () => {
  it('a release that changes status: its record, the lists, the counts and the canaries', () => {
    expect(staleKeys(event('deployment.status', { id: 'dep-1', status: 'ROLLED_BACK' }))).toEqual([
      ['deployments'],
      ['deployment-counts'],
      ['canaries'],
      ['deployment', 'dep-1'],
    ]);
  });

  it('a release that moves on: its record and the canary view, never a list or a count', () => {
    expect(staleKeys(event('deployment.progress', { id: 'dep-1', weight: 30 }))).toEqual([
      ['canaries'],
      ['deployment', 'dep-1'],
    ]);
  });

  it('a task or a service: its list and itself', () => {
    expect(staleKeys(event('task.finished', { id: 'nightly' }))).toEqual([
      ['tasks'],
      ['task', 'nightly'],
    ]);
    expect(staleKeys(event('service.state', { name: 'web' }))).toEqual([
      ['services'],
      ['service', 'web'],
    ]);
  });
});
