import type { MetricsAnswer, MetricsQuery, MetricsSource, VersionMetrics } from '@codedance/core';
import { LATENCY_BOUNDS_MS } from '@codedance/router';
import { appKey } from '../book.js';
import type { RouterFleet } from './fleet.js';

const NONE: readonly number[] = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);

/**
 * The built-in router as a {@link MetricsSource}: what its processes counted per version, per
 * second, added up over the asked interval. Errors are the 5xx answers (the router's own 502s
 * and 504s among them); latencies come as the router's bucketed histogram. The interval it
 * answers starts no earlier than the router did: before, nothing was counted.
 */
export class RouterMetricsSource implements MetricsSource {
  readonly name = 'router';

  constructor(private readonly fleet: RouterFleet) {}

  async query(query: MetricsQuery): Promise<MetricsAnswer> {
    const key = appKey(query.environment, query.app);
    const router = this.fleet.get(key);
    if (router === undefined) throw new Error(`no router of ${key} answers`);
    const stats = await router.client.stats({ from: query.from, to: query.to });
    const versions: Record<string, VersionMetrics> = {};
    for (const version of query.versions) {
      const w = stats.versions[version];
      versions[version] =
        w === undefined
          ? {
              requests: 0,
              errors: 0,
              latency: { bounds: LATENCY_BOUNDS_MS, counts: NONE, sumMs: 0 },
            }
          : {
              requests: w.requests,
              errors: w.status['5xx'],
              latency: {
                bounds: w.histogram.bounds,
                counts: w.histogram.counts,
                sumMs: w.histogram.sumMs,
              },
            };
    }
    return { from: Math.max(stats.from, router.startedAt), to: stats.to, versions };
  }
}
