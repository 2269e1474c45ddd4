import { describe, expect, it } from 'vitest';
import { serviceStatus, type InstanceState, type ServiceStatus } from './status.js';

describe('serviceStatus', () => {
  it.each<[InstanceState[], ServiceStatus]>([
    [[], 'STOPPED'],
    [['stopped', 'stopped'], 'STOPPED'],
    [['online', 'online'], 'ONLINE'],
    [['online', 'stopped'], 'ONLINE'],
    [['online', 'starting'], 'STARTING'],
    [['online', 'unready'], 'STARTING'],
    [['online', 'backoff'], 'STARTING'],
    [['online', 'stopping'], 'STOPPING'],
    [['stopping', 'stopped'], 'STOPPING'],
    [['online', 'errored'], 'ERRORED'],
    [['errored', 'crashloop'], 'CRASHLOOP'],
    [['online', 'crashloop'], 'CRASHLOOP'],
  ])('%j → %s', (states, status) => {
    expect(serviceStatus(states)).toBe(status);
  });
});
