import {
  MANIFEST_API_VERSION,
  appManifest,
  csvField,
  histogramQuantile,
  isFinal,
  phaseOf,
  type Deployment,
  type DeploymentSummary,
  type LatencyHistogram,
  type MetricsAnswer,
} from '@codedance/core';
import type { AppManifest } from '@codedance/api';
import { appKey, type AppRecord } from './book.js';

/**
 * A release as the API shows it: the record, with `latestWindow` null on records saved before
 * the window was kept, so every answer has the same fields.
 */
export function deploymentView(
  d: Deployment,
): Deployment & { latestWindow: Deployment['latestWindow'] } {
  return { ...d, latestWindow: d.latestWindow ?? null };
}

/** An app as the API shows it. */
export function appView(record: AppRecord, latest: DeploymentSummary | undefined) {
  return {
    name: record.spec.name,
    namespace: record.spec.namespace,
    key: appKey(record.spec.namespace, record.spec.name),
    port: record.spec.port,
    instances: record.spec.instances,
    strategy: record.spec.strategy.type,
    stable: record.stable,
    previous: record.previous,
    lastDeployment: latest ?? null,
    appliedAt: record.appliedAt,
    // The manifest as written: a person's own fields, with the run every version starts from.
    manifest: appManifest(record.spec) as AppManifest,
  };
}

/** Seed 000's list row. */
export function canaryRow(summary: DeploymentSummary, record: AppRecord | undefined) {
  return {
    name: summary.app,
    namespace: summary.environment,
    phase: summary.phase,
    currentStep: summary.currentStep,
    currentWeight: summary.currentWeight,
    strategy: strategyName(record, summary),
    status: summary.status,
    version: summary.version,
    deployment: summary.id,
    createdAt: summary.startTime,
  };
}

function strategyName(record: AppRecord | undefined, summary: DeploymentSummary): string {
  if (summary.deploymentType !== 'CANARY')
    return summary.deploymentType.toLowerCase().replace('_', '-');
  return record?.spec.strategy.canary.preset ?? 'custom';
}

/** Seed 000's `CanaryDeployment` resource for an app's latest release. */
export function canaryResource(d: Deployment, record: AppRecord) {
  const analysis = record.spec.analysis;
  return {
    apiVersion: MANIFEST_API_VERSION,
    kind: 'CanaryDeployment' as const,
    metadata: {
      name: d.app,
      namespace: d.environment,
      creationTimestamp: d.startTime,
      deployment: d.id,
    },
    spec: {
      targetDeployment: d.app,
      canaryVersion: d.version,
      stableVersion: d.previousVersion,
      strategy: {
        type: strategyName(record, { deploymentType: d.deploymentType } as DeploymentSummary),
        deploymentType: d.deploymentType,
        steps: d.progress.steps
          .filter((s) => s.kind === 'traffic' || s.kind === 'batch' || s.kind === 'gate')
          .map((s) => ({
            name: s.name,
            ...(s.weight === undefined ? {} : { weight: s.weight }),
            pause:
              s.pauseSeconds === null || s.pauseSeconds === undefined ? {} : `${s.pauseSeconds}s`,
          })),
      },
      metrics: {
        successRate: { threshold: analysis.successRate, unit: 'fraction' },
        errorRate: { threshold: analysis.errorRate, unit: 'fraction' },
        latency: {
          p99: `${analysis.latencyP99Ms}ms`,
          ...(analysis.latencyP90Ms === null ? {} : { p90: `${analysis.latencyP90Ms}ms` }),
          ...(analysis.latencyP50Ms === null ? {} : { p50: `${analysis.latencyP50Ms}ms` }),
        },
        interval: `${analysis.intervalMs / 1000}s`,
        minRequests: analysis.minRequests,
        failureLimit: analysis.failureLimit,
      },
      autoRollback: { enabled: record.spec.autoRollback, onMetricsFail: record.spec.autoRollback },
    },
    status: {
      phase: phaseOf(d.status),
      currentStep: d.canary.currentStep,
      currentWeight: d.canary.currentWeight,
      status: d.status,
      reason: d.reason,
    },
  };
}

export const DEPLOYMENT_CSV_COLUMNS = [
  'id',
  'app',
  'version',
  'previousVersion',
  'environment',
  'deploymentType',
  'status',
  'reason',
  'executor',
  'startTime',
  'endTime',
  'durationMs',
] as const;

/** Deployments as CSV (RFC 4180), one row per release. */
export function deploymentsToCsv(rows: readonly DeploymentSummary[]): string {
  const lines = [DEPLOYMENT_CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      DEPLOYMENT_CSV_COLUMNS.map((column) => {
        const value = row[column];
        return csvField(value === null ? '' : String(value));
      }).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * What `/api/metrics/` measures in, as seed 000 has it: rates in percent (99.5 is 99.5 %), unlike
 * the thresholds of a manifest, which are fractions (0.95).
 */
export const METRIC_UNITS = {
  successRate: 'percent',
  errorRate: 'percent',
  latencyP50: 'ms',
  latencyP90: 'ms',
  latencyP99: 'ms',
  requestRate: 'per second',
  windowSeconds: 's',
} as const;

/** The versions whose live metrics an app shows: its stable, previous and releasing ones. */
export function liveVersions(record: AppRecord, latest: DeploymentSummary | undefined): string[] {
  const versions = [
    record.stable?.version,
    record.previous?.version,
    latest?.version,
    latest?.previousVersion,
  ];
  return [...new Set(versions.filter((v): v is string => typeof v === 'string'))];
}

/**
 * Seed 000's live metrics of an app from what its metrics source answered at `now`: every
 * version's rates and latencies, and on top those of the version being released (or else the
 * stable one). Latencies are quantiles of the version's histogram, as Prometheus's
 * `histogram_quantile` reads them. The source counts whole seconds, and the window's last
 * second is still under way at `now`: a rate divides by the time the window has really
 * covered, from where the answer starts (no earlier than the router did) to `now`.
 */
export function liveMetricsView(
  record: AppRecord,
  latest: DeploymentSummary | undefined,
  answer: MetricsAnswer,
  now: number,
) {
  const focus =
    latest !== undefined && !isFinal(latest.status)
      ? latest.version
      : (record.stable?.version ?? latest?.version ?? null);
  const seconds = Math.max(0, (Math.min(answer.to, now) - answer.from) / 1000);
  const quantile = (latency: LatencyHistogram, q: number) => round(histogramQuantile(latency, q));
  const versions = Object.fromEntries(
    Object.entries(answer.versions)
      // A version that served nothing in the window is left out, as the router leaves it out.
      .filter(([, w]) => w.requests > 0)
      .map(([version, w]) => [
        version,
        {
          requests: w.requests,
          successRate: round((1 - w.errors / w.requests) * 100),
          errorRate: round((w.errors / w.requests) * 100),
          latencyP50: quantile(w.latency, 0.5),
          latencyP90: quantile(w.latency, 0.9),
          latencyP99: quantile(w.latency, 0.99),
          requestRate: seconds === 0 ? 0 : round(w.requests / seconds),
        },
      ]),
  );
  const empty = {
    requests: 0,
    successRate: null,
    errorRate: null,
    latencyP50: null,
    latencyP90: null,
    latencyP99: null,
    requestRate: 0,
  };
  const main = focus === null ? empty : (versions[focus] ?? empty);
  return {
    timestamp: Math.floor(now / 1000),
    version: focus,
    ...main,
    windowSeconds: round(seconds),
    units: METRIC_UNITS,
    versions,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
