import { latencyHistogram, type LatencyHistogram } from '../../metrics/source.js';

/**
 * The built-in router's latency buckets (packages/router/src/buckets.ts): 20 round numbers a
 * decade from 0.1 ms to 60 s. The judge's figures are measured on these.
 */
export const ROUTER_BOUNDS_MS: readonly number[] = (() => {
  const series = [1, 1.1, 1.2, 1.3, 1.5, 1.7, 2, 2.2, 2.5, 2.7, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8, 9];
  const bounds: number[] = [];
  for (let decade = 0.1; decade <= 60_000; decade *= 10) {
    for (const m of series) {
      const bound = Number((m * decade).toPrecision(2));
      if (bound <= 60_000) bounds.push(bound);
    }
  }
  return bounds;
})();

/** Latencies (ms) counted in the router's buckets. */
export function routerHistogram(latencies: readonly number[]): LatencyHistogram {
  return latencyHistogram(latencies, ROUTER_BOUNDS_MS);
}
