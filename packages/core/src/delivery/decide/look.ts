import { judgeStep, type VersionWindow } from '../../analysis/index.js';
import { histogramQuantile } from '../../metrics/source.js';
import { addAnalysis, addMetrics } from '../machine.js';
import type { AnalysisSettings } from '../manifest.js';
import type {
  AnalysisRecord,
  Deployment,
  MeasuredMetrics,
  StepState,
  WindowMetrics,
} from '../record.js';
import type { MeasuredVersion, MeasuredWindow } from './world.js';

/** How often a trend point is added to the record while traffic is split. */
export const TREND_EVERY_MS = 5000;
/** The shortest window the threshold checks read. */
export const RECENT_MIN_MS = 5000;

/** A step's memory before its first look. */
export function freshStepState(since: number | null = null): StepState {
  return { since, lastLook: null, failures: 0, errorTest: null, waiting: false };
}

function windowOf(w: MeasuredWindow, version: string | undefined): VersionWindow {
  const measured = version === undefined ? undefined : w.versions[version];
  const durationSeconds = Math.max(1, (w.to - w.from) / 1000);
  if (measured === undefined) {
    return { requests: 0, errors: 0, latency: { bounds: [], counts: [0] }, durationSeconds };
  }
  const { requests, errors, latency } = measured;
  return { requests, errors, latency, durationSeconds };
}

/** Where the threshold checks' window starts: the last interval (at least 5 s) of the step. */
export function recentFrom(since: number, now: number, settings: AnalysisSettings): number {
  return Math.max(since, now - Math.max(settings.intervalMs, RECENT_MIN_MS));
}

/**
 * One analysis look at the running step, at `at`: the judge's verdict with its evidence, added
 * to the record, and the step's memory (failed looks, the error test) moved on. Thresholds read
 * the recent window when it has enough requests, so a late fault is not diluted by the step's
 * past; the baseline comparison reads the whole step.
 */
export function takeLook(
  d: Deployment,
  settings: AnalysisSettings,
  at: number,
  step: MeasuredWindow,
  recent: MeasuredWindow | null,
): {
  d: Deployment;
  verdict: AnalysisRecord['verdict'];
  reason: string | null;
  pause: string | null;
} {
  const state = d.stepState ?? freshStepState(step.from);
  const canary = windowOf(step, d.version);
  const lately = recent === null ? canary : windowOf(recent, d.version);
  const stableVersion = d.resources.stable?.version;
  const baselineWindow = windowOf(step, stableVersion);
  const baseline = settings.baseline && baselineWindow.requests > 0 ? baselineWindow : null;
  // The thresholds read the recent window when it has enough requests; the stable version is
  // held to them over the same window, so what fails both is not blamed on the canary.
  const useRecent = recent !== null && lately.requests >= settings.minRequests;
  const stable =
    stableVersion === undefined ? null : windowOf(useRecent ? recent : step, stableVersion);
  const judgement = judgeStep({
    canary,
    recent: useRecent ? lately : canary,
    baseline,
    ...(stable === null ? {} : { stable }),
    ...(settings.whenStableFailsToo === undefined
      ? {}
      : { whenStableFailsToo: settings.whenStableFailsToo }),
    thresholds: {
      successRateMin: settings.successRate,
      errorRateMax: settings.errorRate,
      latencyP99MaxMs: settings.latencyP99Ms,
      ...(settings.latencyP50Ms === null ? {} : { latencyP50MaxMs: settings.latencyP50Ms }),
      ...(settings.latencyP90Ms === null ? {} : { latencyP90MaxMs: settings.latencyP90Ms }),
      ...(settings.requestRate === null ? {} : { requestRateMin: settings.requestRate }),
      minRequests: settings.minRequests,
    },
    ...(baseline === null
      ? {}
      : {
          comparison: {
            alpha: settings.alpha,
            minErrorIncrease: settings.minErrorIncrease,
            minLatencyShiftMs: settings.minLatencyShiftMs,
          },
        }),
    ...(state.errorTest === null ? {} : { errorTest: state.errorTest }),
    failureLimit: settings.failureLimit,
    failuresSoFar: state.failures,
  });
  const { comparison } = judgement;
  const entry: AnalysisRecord = {
    time: new Date(at).toISOString(),
    step: d.progress.currentStepIndex,
    verdict: judgement.verdict,
    reason: judgement.reason,
    checks: judgement.checks,
    comparison:
      comparison === null
        ? null
        : {
            errorTest: {
              decision: comparison.errorTest.decision,
              evidence: comparison.errorTest.evidence,
            },
            latency: { verdict: comparison.latency.verdict, evidence: comparison.latency.evidence },
          },
    canary: { requests: canary.requests, errors: canary.errors },
    baseline: baseline === null ? null : { requests: baseline.requests, errors: baseline.errors },
  };
  const stepState: StepState = {
    ...state,
    lastLook: at,
    failures: judgement.failures,
    errorTest: judgement.errorTest ?? state.errorTest,
  };
  return {
    d: addAnalysis({ ...d, stepState }, entry),
    verdict: judgement.verdict,
    reason: judgement.reason,
    pause: judgement.pause,
  };
}

/** When the record's trend series last got a point; null before the first. */
export function lastTrendPoint(d: Deployment): number | null {
  const last = d.metrics.successRate.at(-1) ?? d.metrics.responseTime.at(-1);
  return last === undefined ? null : Date.parse(last.time);
}

const hundredths = (value: number) => Math.round(value * 100) / 100;

/** A latency quantile of a version's window (ms), null when its histogram cannot tell. */
function quantile(w: MeasuredVersion, q: number): number | null {
  const value = histogramQuantile(w.latency, q);
  return Number.isNaN(value) ? null : hundredths(value);
}

/** One version's window in the metrics API's units; null where it had no request. */
function windowMetrics(w: MeasuredVersion | undefined, seconds: number): WindowMetrics {
  const requests = w?.requests ?? 0;
  if (w === undefined || requests === 0) {
    const none = { successRate: null, errorRate: null, requestRate: 0 };
    return { requests, ...none, latencyP50: null, latencyP90: null, latencyP99: null };
  }
  return {
    requests,
    successRate: hundredths((1 - w.errors / requests) * 100),
    errorRate: hundredths((w.errors / requests) * 100),
    latencyP50: quantile(w, 0.5),
    latencyP90: quantile(w, 0.9),
    latencyP99: quantile(w, 0.99),
    requestRate: hundredths(requests / seconds),
  };
}

/**
 * Adds a trend point per version (the new one and the stable one) that had requests, and keeps
 * the window as the record's latest: what a finished release shows as its final window.
 */
export function addTrend(d: Deployment, at: number, trend: MeasuredWindow): Deployment {
  const versions = [d.version, d.resources.stable?.version].filter(
    (v): v is string => v !== undefined,
  );
  const points = versions.flatMap((version) => {
    const w = trend.versions[version];
    if (w === undefined || w.requests === 0) return [];
    return [
      {
        version,
        successRate: hundredths((1 - w.errors / w.requests) * 100),
        p99Ms: quantile(w, 0.99),
      },
    ];
  });
  const seconds = Math.max(1, (trend.to - trend.from) / 1000);
  const latestWindow: MeasuredMetrics = {
    from: new Date(trend.from).toISOString(),
    to: new Date(Math.min(trend.to, at)).toISOString(),
    versions: Object.fromEntries(
      versions.map((version) => [version, windowMetrics(trend.versions[version], seconds)]),
    ),
  };
  const withWindow = { ...d, latestWindow };
  return points.length === 0 ? withWindow : addMetrics(withWindow, at, points);
}
