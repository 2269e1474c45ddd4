// The metrics source conformance suite, unchanged, on Prometheus: a real Prometheus scraping
// every second an app whose prom-client counters the suite's traffic moves.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrometheusMetricsSource } from '@codedance/kubernetes';
import { describeMetricsSourceConformance } from '../../packages/core/src/metrics/test-support/conformance.js';
import { appMetrics, listen, prometheusProblem, startPrometheus } from './support.js';

const problem = prometheusProblem();
if (problem) console.warn(`Prometheus conformance skipped: ${problem}`);

if (problem === null) {
  describeMetricsSourceConformance('prometheus', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codedance-prometheus-conformance-'));
    const app = appMetrics();
    const { server, port } = await listen(app.registry);
    const prometheus = await startPrometheus(dir, [
      { port, labels: { namespace: 'shop', app: 'web' } },
    ]);
    return {
      source: new PrometheusMetricsSource({ url: prometheus.url }),
      app: { environment: 'shop', app: 'web' },
      drive: async (version, requests, errors) => {
        // A scrape of the counters as they were opens the interval: increase() needs a sample
        // before the traffic inside the window it reads.
        await prometheus.scrapeAfter(Date.now(), 'web');
        app.serve(version, requests - errors, '200', 0.02);
        app.serve(version, errors, '500', 0.02);
        await prometheus.scrapeAfter(Date.now(), 'web');
      },
      settleMs: 1_000,
      // increase() extrapolates to the window's edges: counts are within a quarter of exact.
      tolerance: 0.25,
      cleanup: async () => {
        await prometheus.stop();
        server.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  });
}
