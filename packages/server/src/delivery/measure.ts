import type { Action, MeasuredWindow, Measurement, Span } from '@codedance/core';
import type { StatsWindow } from '@codedance/router';
import type { RouterHandle } from './fleet.js';

/** The router's counts in the shape the judge reads: 5xx answers are errors. */
function measured(stats: StatsWindow): MeasuredWindow {
  const durationSeconds = Math.max(1, (stats.to - stats.from) / 1000);
  const versions: MeasuredWindow['versions'] = {};
  for (const [version, w] of Object.entries(stats.versions)) {
    versions[version] = {
      requests: w.requests,
      errors: w.status['5xx'],
      latenciesMs: w.samples ?? [],
      durationSeconds,
      p50Ms: w.latency.p50,
      p90Ms: w.latency.p90,
      p99Ms: w.latency.p99,
    };
  }
  return { from: stats.from, to: stats.to, versions };
}

/** Counts what a `measure` action asks for, from the app's router. */
export async function measure(
  router: RouterHandle,
  action: Extract<Action, { kind: 'measure' }>,
): Promise<Measurement> {
  const window = async (span: Span | null, samples: boolean) =>
    span === null
      ? null
      : measured(await router.client.stats({ from: span[0], to: span[1], samples }));
  return {
    at: action.at,
    step: await window(action.step, true),
    recent: await window(action.recent, true),
    trend: await window(action.trend, false),
  };
}
