import { describe, expect, it } from 'vitest';
import { validateAppManifest, type Deployment } from '@codedance/core';
import type { StatsWindow, VersionWindow } from '@codedance/router';
import type { AppRecord } from './book.js';
import { deploymentView, liveMetricsView } from './views.js';

function record(): AppRecord {
  const checked = validateAppManifest({
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'shop', namespace: 'test' },
    spec: { port: 8080, run: { command: 'node' } },
  });
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return {
    spec: checked.value,
    stable: {
      version: 'v1',
      service: 'test.shop.v1',
      instances: 1,
      ready: 1,
      command: 'node',
      traffic: 100,
      state: 'running',
      port: 20000,
      run: { command: 'node' },
    },
    previous: null,
    lastDeployment: null,
    appliedAt: '2026-12-01T00:00:00.000Z',
  };
}

function window(requests: number, errors: number): VersionWindow {
  return {
    requests,
    errors: 0,
    aborted: 0,
    upgrades: 0,
    status: { '2xx': requests - errors, '3xx': 0, '4xx': 0, '5xx': errors },
    errorRate: errors / requests,
    bytes: 0,
    latency: { p50: 10, p90: 20, p99: 30, max: 40, mean: 12 },
    // What the router reports: the count over the whole seconds of the window.
    requestRate: requests / 11,
  };
}

describe("seed 000's live metrics", () => {
  // The last 10 s asked at 12:00:07.250: the router widens it to whole seconds, 11 of them, the
  // last of which has only run for 250 ms.
  const now = Date.parse('2026-12-01T12:00:07.250Z');
  const stats: StatsWindow = {
    from: Date.parse('2026-12-01T11:59:57.000Z'),
    to: Date.parse('2026-12-01T12:00:08.000Z'),
    versions: { v1: window(1025, 41) },
  };

  it('divides the requests by the time the window has really covered', () => {
    const view = liveMetricsView(record(), undefined, stats, now);
    // 1025 requests in 10.25 s, not in 11.
    expect(view).toMatchObject({ version: 'v1', requestRate: 100, windowSeconds: 10.25 });
    expect(view.versions.v1?.requestRate).toBe(100);
  });

  it('counts from when the router started when it is younger than the window', () => {
    const view = liveMetricsView(record(), undefined, stats, now, now - 4000);
    expect(view.requestRate).toBe(256.25);
    expect(view.windowSeconds).toBe(4);
  });

  it('answers rates in percent and latencies in milliseconds, under the seed names', () => {
    const view = liveMetricsView(record(), undefined, stats, now);
    expect(view).toMatchObject({
      timestamp: Math.floor(now / 1000),
      successRate: 96,
      errorRate: 4,
      latencyP50: 10,
      latencyP90: 20,
      latencyP99: 30,
      units: expect.objectContaining({
        successRate: 'percent',
        latencyP99: 'ms',
        requestRate: 'per second',
      }) as unknown,
    });
  });
});

describe('a release as the API shows it', () => {
  const finalWindow = {
    from: '2026-12-01T12:00:02.000Z',
    to: '2026-12-01T12:00:07.000Z',
    versions: {
      v2: {
        requests: 40,
        successRate: 72.5,
        errorRate: 27.5,
        latencyP50: 12,
        latencyP90: 30,
        latencyP99: 80,
        requestRate: 8,
      },
    },
  };
  // Only the fields the view looks at; the rest of the record passes through unchanged.
  const stored = { id: 'dep-1', status: 'ROLLED_BACK' } as unknown as Deployment;

  it('keeps the final window a release measured', () => {
    const view = deploymentView({ ...stored, latestWindow: finalWindow });
    expect(view).toEqual({ id: 'dep-1', status: 'ROLLED_BACK', latestWindow: finalWindow });
  });

  it('answers null for a record saved before the window was kept', () => {
    expect(deploymentView(stored).latestWindow).toBeNull();
  });
});
