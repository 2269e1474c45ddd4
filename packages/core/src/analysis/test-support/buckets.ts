import { latencyHistogram, type LatencyHistogram } from '../../metrics/source.js';

/**
 * The built-in router's latency buckets (packages/router/src/buckets.ts): the E12 series from
 * 0.1 ms to 56 s. The judge's figures are measured on these.
 */
export const ROUTER_BOUNDS_MS: readonly number[] = (() => {
  const series = [1, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2];
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
