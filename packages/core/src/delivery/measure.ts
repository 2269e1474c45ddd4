import type { MetricsSource } from '../metrics/index.js';
import type { AppRef } from '../traffic/index.js';
import type { Action, MeasuredWindow, Measurement, Span } from './decide/index.js';

/**
 * Counts what a `measure` action asks for, from the app's metrics source: the one adapter
 * between `decide` and whichever source an app reads (the built-in router, Prometheus).
 */
export async function measureWindows(
  source: MetricsSource,
  entry: AppRef,
  action: Extract<Action, { kind: 'measure' }>,
): Promise<Measurement> {
  const window = async (span: Span | null): Promise<MeasuredWindow | null> => {
    if (span === null) return null;
    const answer = await source.query({
      environment: entry.environment,
      app: entry.app,
      versions: action.versions,
      from: span[0],
      to: span[1],
    });
    const durationSeconds = Math.max(1, (answer.to - answer.from) / 1000);
    const versions: MeasuredWindow['versions'] = {};
    for (const [version, w] of Object.entries(answer.versions)) {
      versions[version] = { ...w, durationSeconds };
    }
    return { from: answer.from, to: answer.to, versions };
  };
  return {
    at: action.at,
    step: await window(action.step),
    recent: await window(action.recent),
    trend: await window(action.trend),
  };
}
