import {
  addAnalysis,
  addMetrics,
  judgeStep,
  type AnalysisRecord,
  type Deployment,
  type VersionWindow,
} from '@codedance/core';
import type { StatsWindow, VersionWindow as RouterWindow } from '@codedance/router';
import type { AppRecord } from './book.js';
import type { ReconcilerDeps } from './deps.js';
import type { RouterHandle } from './fleet.js';

/** How often a trend point is added to the record while traffic is split. */
const METRICS_EVERY_MS = 5000;
/** The shortest window the threshold checks read. */
const RECENT_MIN_MS = 5000;

/** One analysis look over `[since, now)`: the judge's verdict with its evidence, saved in the record. */
export async function analysisLook(
  deps: ReconcilerDeps,
  d: Deployment,
  record: AppRecord,
  router: RouterHandle,
  since: number,
  now: number,
): Promise<{ d: Deployment; verdict: string; reason: string | null }> {
  const a = record.spec.analysis;
  const stats = await router.client.stats({ from: since, to: now, samples: true });
  const canary = windowOf(stats, d.version);
  // Thresholds read the last interval (at least 5 s), so a fault is not diluted by the step's
  // past; while that window is too thin to judge, they read the whole step instead.
  const recentFrom = Math.max(since, now - Math.max(a.intervalMs, RECENT_MIN_MS));
  const lately =
    recentFrom === since
      ? canary
      : windowOf(
          await router.client.stats({ from: recentFrom, to: now, samples: true }),
          d.version,
        );
  const recent = lately.requests >= a.minRequests ? lately : canary;
  const stableVersion = d.resources.stable?.version;
  const baseline =
    a.baseline && stableVersion !== undefined && (stats.versions[stableVersion]?.requests ?? 0) > 0
      ? windowOf(stats, stableVersion)
      : null;
  const state = d.stepState ?? {
    since,
    lastLook: null,
    failures: 0,
    errorTest: null,
    waiting: false,
  };
  const judgement = judgeStep({
    canary,
    recent,
    baseline,
    thresholds: {
      successRateMin: a.successRate,
      errorRateMax: a.errorRate,
      latencyP99MaxMs: a.latencyP99Ms,
      ...(a.latencyP50Ms === null ? {} : { latencyP50MaxMs: a.latencyP50Ms }),
      ...(a.latencyP90Ms === null ? {} : { latencyP90MaxMs: a.latencyP90Ms }),
      ...(a.requestRate === null ? {} : { requestRateMin: a.requestRate }),
      minRequests: a.minRequests,
    },
    ...(baseline === null
      ? {}
      : {
          comparison: {
            alpha: a.alpha,
            minErrorIncrease: a.minErrorIncrease,
            minLatencyShiftMs: a.minLatencyShiftMs,
          },
        }),
    ...(state.errorTest === null ? {} : { errorTest: state.errorTest }),
    failureLimit: a.failureLimit,
    failuresSoFar: state.failures,
  });
  const entry: AnalysisRecord = {
    time: new Date(now).toISOString(),
    step: d.progress.currentStepIndex,
    verdict: judgement.verdict,
    reason: judgement.reason,
    checks: judgement.checks,
    comparison:
      judgement.comparison === null
        ? null
        : {
            errorTest: {
              decision: judgement.comparison.errorTest.decision,
              evidence: judgement.comparison.errorTest.evidence,
            },
            latency: {
              verdict: judgement.comparison.latency.verdict,
              evidence: judgement.comparison.latency.evidence,
            },
          },
    canary: { requests: canary.requests, errors: canary.errors },
    baseline: baseline === null ? null : { requests: baseline.requests, errors: baseline.errors },
  };
  const next = addAnalysis(
    {
      ...d,
      stepState: {
        ...state,
        lastLook: now,
        failures: judgement.failures,
        errorTest: judgement.errorTest ?? state.errorTest,
      },
    },
    entry,
  );
  return { d: next, verdict: judgement.verdict, reason: judgement.reason };
}

export async function sampleMetrics(
  d: Deployment,
  router: RouterHandle,
  now: number,
): Promise<Deployment> {
  const last = d.metrics.successRate.at(-1) ?? d.metrics.responseTime.at(-1);
  if (last !== undefined && now - Date.parse(last.time) < METRICS_EVERY_MS) return d;
  const stats = await router.client
    .stats({ from: now - METRICS_EVERY_MS, to: now })
    .catch(() => null);
  if (stats === null) return d;
  const points = Object.entries(stats.versions)
    .filter(
      ([version, w]) =>
        w.requests > 0 && (version === d.version || version === d.resources.stable?.version),
    )
    .map(([version, w]) => ({
      version,
      successRate: Math.round((1 - w.status['5xx'] / w.requests) * 10_000) / 100,
      p99Ms: Math.round(w.latency.p99 * 100) / 100,
    }));
  return points.length === 0 ? d : addMetrics(d, now, points);
}

function windowOf(stats: StatsWindow, version: string): VersionWindow {
  const w: RouterWindow | undefined = stats.versions[version];
  const seconds = Math.max(1, (stats.to - stats.from) / 1000);
  if (w === undefined) return { requests: 0, errors: 0, latenciesMs: [], durationSeconds: seconds };
  return {
    requests: w.requests,
    errors: w.status['5xx'],
    latenciesMs: w.samples ?? [],
    durationSeconds: seconds,
  };
}
