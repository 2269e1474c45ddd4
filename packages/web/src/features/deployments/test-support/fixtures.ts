import type { Deployment, DeploymentPage, DeploymentRow } from '../../../api/types';

/* Records shaped exactly as the server sends them (core's `Deployment`, docs/delivery.md). */

const at = (minute: number, second = 0) =>
  new Date(Date.UTC(2026, 11, 2, 10, minute, second)).toISOString();

/** A canary release of shop v2 in production, at its third step (25 %). */
export function runningDeployment(): Deployment {
  return {
    id: 'dep-20261202-8k2m1x',
    app: 'shop',
    version: 'v2',
    previousVersion: 'v1',
    environment: 'production',
    deploymentType: 'CANARY',
    status: 'RUNNING',
    reason: null,
    executor: 'ops-li',
    startTime: at(0),
    endTime: null,
    progress: {
      percentage: 40,
      currentStep: 'Traffic 25%',
      currentStepIndex: 2,
      steps: [
        {
          name: 'Start v2',
          kind: 'start',
          status: 'COMPLETED',
          startTime: at(0),
          endTime: at(5),
        },
        {
          name: 'Traffic 10%',
          kind: 'traffic',
          weight: 10,
          pauseSeconds: 30,
          analysis: true,
          status: 'COMPLETED',
          startTime: at(5),
          endTime: at(10),
        },
        { name: 'Traffic 25%', kind: 'traffic', weight: 25, status: 'RUNNING', startTime: at(10) },
        {
          name: 'Traffic 50%',
          kind: 'traffic',
          weight: 50,
          pauseSeconds: 60,
          analysis: true,
          status: 'PENDING',
        },
        { name: 'Retire v1', kind: 'retire', status: 'PENDING' },
      ],
    },
    canary: { phase: 'Progressing', currentStep: 2, currentWeight: 25, desiredWeight: 25 },
    resources: {
      stable: {
        version: 'v1',
        service: 'production.shop.v1',
        instances: 2,
        ready: 2,
        command: 'node server.js',
        traffic: 75,
        state: 'running',
        port: 9100,
      },
      canary: {
        version: 'v2',
        service: 'production.shop.v2',
        instances: 2,
        ready: 2,
        command: 'node server.js',
        traffic: 25,
        state: 'running',
        port: 9102,
      },
    },
    metrics: {
      successRate: [
        { time: at(5), version: 'v1', value: 99.9 },
        { time: at(5), version: 'v2', value: 99.1 },
        { time: at(10), version: 'v1', value: 99.8 },
        { time: at(10), version: 'v2', value: 99.3 },
      ],
      responseTime: [
        { time: at(5), version: 'v1', value: 38 },
        { time: at(5), version: 'v2', value: 41.5 },
      ],
    },
    analysis: [
      {
        time: at(10),
        step: 1,
        verdict: 'pass',
        reason: null,
        checks: [
          {
            metric: 'successRate',
            value: 0.991,
            threshold: 0.95,
            unit: 'fraction',
            comparator: '>=',
            verdict: 'pass',
            evidence: 'success rate 99.1% ≥ 95% over 1,200 requests',
          },
        ],
        comparison: null,
        canary: { requests: 1200, errors: 11 },
        baseline: null,
      },
    ],
    config: {
      strategy: {
        type: 'CANARY',
        canary: {
          preset: 'linear',
          steps: [10, 25, 50].map((weight) => ({ weight, pauseMs: 30_000, analysis: true })),
        },
        blueGreen: { switch: [100], observeMs: 30_000 },
        rolling: { batchSize: 1, pauseMs: 10_000 },
      },
      steps: [],
      analysis: {
        enabled: true,
        intervalMs: 10_000,
        minRequests: 20,
        failureLimit: 1,
        successRate: 0.95,
        errorRate: 0.05,
        latencyP50Ms: null,
        latencyP90Ms: null,
        latencyP99Ms: 200,
        requestRate: null,
        baseline: true,
        alpha: 0.01,
        minErrorIncrease: 0.02,
        minLatencyShiftMs: 25,
      },
      autoRollback: true,
      keepPreviousSeconds: 600,
      sticky: false,
      hooks: {
        preRollout: null,
        test: null,
        step: null,
        postRollout: null,
        rollback: null,
        confirmPromotion: false,
        webhook: null,
      },
    },
    run: { command: 'node', args: ['server.js'] },
    logs: [
      { time: at(0), message: 'Deploying v2 to production' },
      { time: at(10), message: 'Traffic 25% to v2' },
    ],
    hooks: [],
    stepState: null,
    requested: null,
    warmUntil: null,
    trafficChange: null,
    ending: null,
  };
}

/** The same release after its third step failed its analysis and was rolled back. */
export function rolledBackDeployment(): Deployment {
  const base = runningDeployment();
  return {
    ...base,
    status: 'ROLLED_BACK',
    reason: 'error rate 12.5% > 5% at step 3 (failed 3 looks, limit 2)',
    endTime: at(14),
    latestWindow: {
      from: at(13, 55),
      to: at(14),
      versions: {
        v2: {
          requests: 40,
          successRate: 87.5,
          errorRate: 12.5,
          latencyP50: 12,
          latencyP90: 40,
          latencyP99: 95,
          requestRate: 8,
        },
        v1: {
          requests: 160,
          successRate: 100,
          errorRate: 0,
          latencyP50: 8,
          latencyP90: 15,
          latencyP99: 30,
          requestRate: 32,
        },
      },
    },
    canary: { phase: 'Failed', currentStep: 2, currentWeight: 0, desiredWeight: 0 },
    progress: {
      ...base.progress,
      steps: base.progress.steps.map((step, index) =>
        index === 2
          ? {
              ...step,
              status: 'FAILED',
              endTime: at(14),
              detail: 'error rate 12.5% > 5% at step 3 (failed 3 looks, limit 2)',
            }
          : step,
      ),
    },
    analysis: [
      ...base.analysis,
      {
        time: at(14),
        step: 2,
        verdict: 'fail',
        reason: 'error rate 12.5% > 5% (failed 3 looks, limit 2)',
        checks: [
          {
            metric: 'errorRate',
            value: 0.125,
            threshold: 0.05,
            unit: 'fraction',
            comparator: '<=',
            verdict: 'fail',
            evidence: 'error rate 12.5% > 5% over 800 requests',
          },
        ],
        comparison: {
          errorTest: {
            decision: 'fail',
            evidence: 'v2 errors 12.5% vs v1 0.2%: worse beyond chance (p < 0.01)',
          },
          latency: null,
        },
        canary: { requests: 800, errors: 100 },
        baseline: { requests: 2400, errors: 5 },
      },
    ],
  };
}

export function rowOf(deployment: Deployment): DeploymentRow {
  const end = deployment.endTime === null ? null : Date.parse(deployment.endTime);
  return {
    id: deployment.id,
    app: deployment.app,
    environment: deployment.environment,
    version: deployment.version,
    previousVersion: deployment.previousVersion,
    deploymentType: deployment.deploymentType,
    status: deployment.status,
    reason: deployment.reason,
    executor: deployment.executor,
    startTime: deployment.startTime,
    endTime: deployment.endTime,
    durationMs: end === null ? null : end - Date.parse(deployment.startTime),
    phase: deployment.canary.phase,
    currentStep: deployment.canary.currentStep,
    currentWeight: deployment.canary.currentWeight,
    percentage: deployment.progress.percentage,
  };
}

/** `GET /api/deployments` with two releases. */
export function deploymentPage(): DeploymentPage {
  const rolledBack = {
    ...rolledBackDeployment(),
    id: 'dep-20261201-aa11bb',
    version: 'v1.9',
    startTime: at(0),
  };
  return { items: [rowOf(runningDeployment()), rowOf(rolledBack)], total: 2, nextCursor: null };
}
