import { describe, expect, it } from 'vitest';
import {
  validateAppManifest,
  type Deployment,
  type MetricsAnswer,
  type VersionMetrics,
} from '@codedance/core';
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

function window(requests: number, errors: number): VersionMetrics {
  // Latencies in buckets (0,10], (10,20], (20,30] and above: p50 10, p90 20, p99 29 ms.
  const counts = [requests / 2, (requests * 2) / 5, requests / 10, 0];
  return { requests, errors, latency: { bounds: [10, 20, 30], counts } };
}

describe("seed 000's live metrics", () => {
  // The last 10 s asked at 12:00:07.250: the router widens it to whole seconds, 11 of them, the
  // last of which has only run for 250 ms.
  const now = Date.parse('2026-12-01T12:00:07.250Z');
  const stats: MetricsAnswer = {
    from: Date.parse('2026-12-01T11:59:57.000Z'),
    to: Date.parse('2026-12-01T12:00:08.000Z'),
    versions: { v1: window(1000, 40), v0: window(0, 0) },
  };

  it('divides the requests by the time the window has really covered', () => {
    const view = liveMetricsView(record(), undefined, stats, now);
    // 1000 requests in 10.25 s, not in 11.
    expect(view).toMatchObject({ version: 'v1', requestRate: 97.56, windowSeconds: 10.25 });
    expect(view.versions.v1?.requestRate).toBe(97.56);
    // A version that served nothing in the window is not listed.
    expect(Object.keys(view.versions)).toEqual(['v1']);
  });

  it('counts from where the answer starts when the source is younger than the window', () => {
    const view = liveMetricsView(record(), undefined, { ...stats, from: now - 4000 }, now);
    expect(view.requestRate).toBe(250);
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
      latencyP99: 29,
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
