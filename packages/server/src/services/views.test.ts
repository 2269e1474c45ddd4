import { describe, expect, it } from 'vitest';
import { serviceView, type InstanceView } from './views.js';

function instance(n: number, usage: { cpuPercent: number; rssBytes: number } | null): InstanceView {
  return {
    instance: n,
    state: 'online',
    desired: 'running',
    pid: 100 + n,
    port: null,
    generation: 1,
    restarts: 0,
    startedAt: null,
    readyAt: null,
    uptimeSeconds: 0,
    cpuPercent: usage?.cpuPercent ?? null,
    rssBytes: usage?.rssBytes ?? null,
    lastExit: null,
    lastExitCodes: [],
    nextRestartAt: null,
    reason: null,
  };
}

const base = {
  name: 'web',
  version: 1,
  generation: 1,
  status: 'ONLINE',
  rolling: false,
  spec: { instances: 2 },
} as unknown as Parameters<typeof serviceView>[0];

describe('serviceView', () => {
  it('sums CPU and memory over the sampled instances', () => {
    const view = serviceView(base, [
      instance(0, { cpuPercent: 1.25, rssBytes: 1000 }),
      instance(1, null),
    ]);
    expect(view.cpuPercent).toBe(1.3);
    expect(view.rssBytes).toBe(1000);
  });

  it('says CPU and memory are unknown, not 0, until an instance has been sampled', () => {
    const view = serviceView(base, [instance(0, null), instance(1, null)]);
    expect(view.cpuPercent).toBeNull();
    expect(view.rssBytes).toBeNull();
    expect(serviceView(base, []).rssBytes).toBeNull();
  });
});
