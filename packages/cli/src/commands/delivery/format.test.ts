import { describe, expect, it } from 'vitest';
import { newDeployment, validateAppManifest } from '@codedance/core';
import { bufferedOutput } from '../../test-support/output.js';
import type { Deployment } from '@codedance/api';
import { clockTime, formatDeployment, formatOutcome } from './format.js';
import { NOTHING_SEEN, progressLines } from './progress.js';

const T = (s: number) => new Date(Date.UTC(2026, 2, 15, 10, 0, s)).toISOString();

/** The settings a release of the shop with every default records. */
function config(): Deployment['config'] {
  const app = validateAppManifest({
    apiVersion: 'deploy.codedance.io/v1alpha1',
    kind: 'App',
    metadata: { name: 'shop', namespace: 'production' },
    spec: { port: 8080, run: { command: 'node', args: ['server.js'] } },
  });
  if (!app.ok) throw new Error(JSON.stringify(app.problems));
  return newDeployment({
    id: 'dep-20260315-1a2b3c4d',
    app: app.value,
    version: 'v2',
    type: 'CANARY',
    run: app.value.run,
    executor: 'ops-li',
    stable: null,
    canaryService: 'production.shop.v2',
    now: Date.parse(T(0)),
  }).config;
}

/** A canary release of v2 over v1, in its second traffic step, after two looks. */
function release(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: 'dep-20260315-1a2b3c4d',
    app: 'shop',
    environment: 'production',
    version: 'v2',
    previousVersion: 'v1',
    deploymentType: 'CANARY',
    status: 'RUNNING',
    reason: null,
    executor: 'ops-li',
    startTime: T(0),
    endTime: null,
    progress: {
      percentage: 40,
      currentStep: 'Traffic 50%',
      currentStepIndex: 2,
      steps: [
        {
          name: 'Start v2',
          kind: 'start',
          status: 'COMPLETED',
          startTime: T(0),
          endTime: T(2),
          detail: '2/2 instances of v2 ready',
        },
        {
          name: 'Traffic 20%',
          kind: 'traffic',
          weight: 20,
          pauseSeconds: 3,
          analysis: true,
          status: 'COMPLETED',
          startTime: T(2),
          endTime: T(5),
          detail: 'held 20% for 3 s; analysis passed',
        },
        {
          name: 'Traffic 50%',
          kind: 'traffic',
          weight: 50,
          pauseSeconds: null,
          analysis: true,
          status: 'RUNNING',
          startTime: T(5),
        },
        { name: 'Full traffic', kind: 'traffic', weight: 100, pauseSeconds: 0, status: 'PENDING' },
        { name: 'Retire v1', kind: 'retire', status: 'PENDING' },
      ],
    },
    canary: { phase: 'Progressing', currentStep: 2, currentWeight: 50, desiredWeight: 50 },
    resources: {
      stable: {
        version: 'v1',
        service: 'production.shop.v1',
        instances: 2,
        ready: 2,
        command: 'node server.js',
        traffic: 50,
        state: 'running',
        port: 9000,
      },
      canary: {
        version: 'v2',
        service: 'production.shop.v2',
        instances: 2,
        ready: 2,
        command: 'node server.js',
        traffic: 50,
        state: 'running',
        port: 9100,
      },
    },
    metrics: { successRate: [], responseTime: [] },
    analysis: [
      {
        time: T(3),
        step: 1,
        verdict: 'inconclusive',
        reason: 'only 12 requests, fewer than the 20 needed to judge success rate',
        checks: [],
        comparison: null,
        canary: { requests: 12, errors: 0 },
        baseline: null,
      },
      {
        time: T(5),
        step: 1,
        verdict: 'pass',
        reason: null,
        checks: [
          {
            metric: 'errorRate',
            value: 0,
            threshold: 0.05,
            unit: 'fraction',
            comparator: '<=',
            verdict: 'pass',
            evidence: 'error rate 0 % ≤ 5 % (40 requests)',
          },
        ],
        comparison: {
          errorTest: { decision: 'continue', evidence: 'no conclusion yet' },
          latency: { verdict: 'pass', evidence: 'canary latency not significantly higher' },
        },
        canary: { requests: 40, errors: 0 },
        baseline: { requests: 160, errors: 1 },
      },
    ],
    config: config(),
    run: { command: 'node', args: ['server.js'] },
    logs: [{ time: T(5), message: 'Step 3/5: Traffic 50%' }],
    hooks: [],
    stepState: null,
    requested: null,
    warmUntil: null,
    trafficChange: null,
    ending: null,
    ...overrides,
  };
}

describe('progressLines', () => {
  it('tells the whole story so far on the first read, in the order it happened', () => {
    const { out } = bufferedOutput();
    const { lines, seen } = progressLines(out, release(), NOTHING_SEEN, new Date(T(6)));
    expect(lines).toEqual([
      `${clockTime(T(2))}  ✓ Start v2: 2/2 instances of v2 ready`,
      `${clockTime(T(3))}  ? analysis inconclusive at 20%: only 12 requests, fewer than the 20 needed to judge success rate`,
      `${clockTime(T(5))}  ✓ analysis pass at 20%: 40 requests, 0 errors (baseline 160 requests, 1 errors)`,
      `${clockTime(T(5))}  ✓ Traffic 20%: held 20% for 3 s; analysis passed`,
      `${clockTime(T(5))}  ▸ Traffic 50%`,
      `${clockTime(T(5))}    traffic 50% to v2, 50% to v1`,
    ]);
    expect(seen).toMatchObject({ status: 'RUNNING', weight: 50, lookedAt: T(5) });
  });

  it('then prints only what changed: a pause with what it waits for, and how to go on', () => {
    const { out } = bufferedOutput();
    const first = progressLines(out, release(), NOTHING_SEEN, new Date(T(6))).seen;
    expect(progressLines(out, release(), first, new Date(T(7))).lines).toEqual([]);
    const paused = release({
      status: 'PAUSED',
      reason: 'waiting for promotion at 50%',
      logs: [{ time: T(8), message: 'Paused: waiting for promotion at 50%' }],
    });
    expect(progressLines(out, paused, first, new Date(T(9))).lines).toEqual([
      `${clockTime(T(8))}  PAUSED: waiting for promotion at 50%; go on with: codedance rollout resume dep-20260315-1a2b3c4d (promote skips to full traffic; abort rolls back)`,
    ]);
  });

  it('shows traffic moving while the release runs, but leaves the end to the last line', () => {
    const { out } = bufferedOutput();
    const before = release();
    const seen = { ...progressLines(out, before, NOTHING_SEEN, new Date(T(6))).seen, weight: 20 };
    expect(progressLines(out, before, seen, new Date(T(6))).lines).toEqual([
      `${clockTime(T(5))}    traffic 50% to v2, 50% to v1`,
    ]);
    const steps = before.progress.steps.map((s, i) =>
      i === 2
        ? { ...s, status: 'FAILED' as const, endTime: T(9), detail: 'error rate 30 % > 5 %' }
        : s,
    );
    const rolledBack = release({
      status: 'ROLLED_BACK',
      reason: 'error rate 30 % > 5 %',
      endTime: T(9),
      canary: { phase: 'Failed', currentStep: 2, currentWeight: 0, desiredWeight: 0 },
      progress: { ...before.progress, steps },
    });
    expect(progressLines(out, rolledBack, seen, new Date(T(10))).lines).toEqual([
      `${clockTime(T(9))}  ✗ Traffic 50%: error rate 30 % > 5 %`,
    ]);
    expect(formatOutcome(out, rolledBack, new Date(T(10)))).toBe(
      '✗ production/shop v2 ROLLED_BACK after 9.0s: error rate 30 % > 5 %',
    );
  });
});

describe('formatDeployment', () => {
  it('shows the header, the step timeline, the sides and the last looks with their evidence', () => {
    const { out } = bufferedOutput();
    const text = formatDeployment(out, release(), new Date(T(8))).join('\n');
    expect(text).toMatch(/^Release dep-20260315-1a2b3c4d\n {2}app +production\/shop\n/);
    expect(text).toMatch(/^ {2}version +v2 over v1$/m);
    expect(text).toMatch(/^ {2}status +RUNNING \(40% of steps done\)$/m);
    expect(text).toMatch(/^ {2}executor +ops-li$/m);
    expect(text).toMatch(/^ {2}running +for 8\.0s$/m);
    expect(text).toMatch(/^ {2}traffic +50% to v2, 50% to v1$/m);
    expect(text).toContain(
      `  ✓ Traffic 20%   hold 3s, analysed            ${clockTime(T(2))} → ${clockTime(T(5))}  3.0s  held 20% for 3 s; analysis passed`,
    );
    expect(text).toMatch(/^ {2}▸ Traffic 50% +waits for promote, analysed +\S+ → … +3\.0s$/m);
    expect(text).toMatch(/^ {2}· Retire v1$/m);
    expect(text).toMatch(
      /^ {2}stable +v1 +2\/2 ready +50% traffic +running +ports 9000…9001 +node server\.js$/m,
    );
    expect(text).toContain('\nAnalysis\n');
    expect(text).toContain('              ✓ error rate 0 % ≤ 5 % (40 requests)');
    expect(text).toContain('              ? no conclusion yet');
    expect(text).toContain('              ✓ canary latency not significantly higher');
  });
});
