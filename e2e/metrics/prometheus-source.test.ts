// The Prometheus metrics source against a real Prometheus (Debian's package, run as a plain
// process on loopback) scraping a real /metrics endpoint made with prom-client, whose latency
// histogram shifts for the canary between two intervals.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodedanceError, histogramQuantile, type MetricsQuery } from '@codedance/core';
import { PrometheusMetricsSource } from '@codedance/kubernetes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/wait.js';
import {
  appMetrics,
  listen,
  prometheusProblem,
  startPrometheus,
  type RunningPrometheus,
} from './support.js';

const problem = prometheusProblem();
if (problem) console.warn(`Prometheus source tests skipped: ${problem}`);

describe.skipIf(problem !== null)('the Prometheus metrics source on a real Prometheus', () => {
  let dir: string;
  let prometheus: RunningPrometheus | undefined;
  let url: string;
  const servers: Server[] = [];
  const web = appMetrics();
  const other = appMetrics();
  /** Scrape times (epoch ms) that bound the two intervals. */
  let start = 0;
  let afterFast = 0;
  let afterShift = 0;

  const scrapeAfter = (ms: number) => prometheus!.scrapeAfter(ms, 'web');

  const source = () => new PrometheusMetricsSource({ url });
  const query = (from: number, to: number, versions = ['v1', 'v2']): MetricsQuery => ({
    environment: 'shop',
    app: 'web',
    versions,
    from,
    to,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codedance-prometheus-'));
    const [a, b] = [await listen(web.registry), await listen(other.registry)];
    servers.push(a.server, b.server);
    prometheus = await startPrometheus(dir, [
      { port: a.port, labels: { namespace: 'shop', app: 'web' } },
      { port: b.port, labels: { namespace: 'shop', app: 'other' } },
    ]);
    url = prometheus.url;
    // A scrape with every series at zero opens the first interval.
    start = await scrapeAfter(Date.now());
    web.serve('v1', 198, '200', 0.02);
    web.serve('v1', 2, '500', 0.02);
    web.serve('v2', 90, '200', 0.02);
    web.serve('v2', 10, '500', 0.02);
    // Another app's canary, failing hard: none of it may count for web.
    other.serve('v2', 1000, '500', 2);
    afterFast = await scrapeAfter(Date.now());
    // The canary slows down; stable does not.
    web.serve('v1', 100, '200', 0.02);
    web.serve('v2', 100, '200', 0.3);
    afterShift = await scrapeAfter(Date.now());
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    for (const server of servers) server.close();
    if ((dir as string | undefined) !== undefined) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('reads requests, errors and the latency histogram of each version over an interval', async () => {
    const answer = await source().query(query(start, afterFast));
    expect(answer).toMatchObject({ from: start, to: afterFast });
    const bounds = [5, 10, 25, 50, 100, 250, 500, 1000, 2500];
    expect(answer.versions.v1).toMatchObject({
      requests: 200,
      errors: 2,
      latency: { bounds, counts: [0, 0, 200, 0, 0, 0, 0, 0, 0, 0] },
    });
    expect(answer.versions.v2).toMatchObject({
      requests: 100,
      errors: 10,
      latency: { bounds, counts: [0, 0, 100, 0, 0, 0, 0, 0, 0, 0] },
    });
    expect(answer.versions.v1?.latency.sumMs).toBeCloseTo(200 * 20, 6);
    expect(histogramQuantile(answer.versions.v2!.latency, 0.99)).toBeLessThanOrEqual(25);
  });

  it("sees the canary's latency histogram shift in the next interval, and stable's not", async () => {
    const answer = await source().query(query(afterFast, afterShift));
    expect(answer.versions.v1).toMatchObject({ requests: 100, errors: 0 });
    expect(answer.versions.v2).toMatchObject({
      requests: 100,
      errors: 0,
      latency: { counts: [0, 0, 0, 0, 0, 0, 100, 0, 0, 0] },
    });
    expect(histogramQuantile(answer.versions.v1!.latency, 0.99)).toBeLessThanOrEqual(25);
    expect(histogramQuantile(answer.versions.v2!.latency, 0.99)).toBeGreaterThan(250);
    expect(answer.versions.v2?.latency.sumMs).toBeCloseTo(100 * 300, 6);

    // Over both intervals the canary's histogram holds both modes.
    const both = await source().query(query(start, afterShift));
    expect(both.versions.v2?.latency.counts).toEqual([0, 0, 100, 0, 0, 0, 100, 0, 0, 0]);
    expect(both.versions.v2?.requests).toBe(200);
  });

  it('answers zeros for a version without traffic', async () => {
    const answer = await source().query(query(start, afterShift, ['v1', 'v3']));
    expect(answer.versions.v3).toEqual({
      requests: 0,
      errors: 0,
      latency: {
        bounds: [5, 10, 25, 50, 100, 250, 500, 1000, 2500],
        counts: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    });
    expect(answer.versions.v1?.requests).toBe(300);
  });

  it('runs the queries it is given instead of the defaults', async () => {
    const custom = new PrometheusMetricsSource({
      url,
      queries: {
        // Successes only, and no latency sum.
        requests:
          'sum by (version) (increase(http_requests_total{app="{{app}}", version=~"{{versions}}", code!~"5.."}[{{window}}]))',
        latencySum: '',
      },
    });
    const answer = await custom.query(query(start, afterFast));
    expect(answer.versions.v1?.requests).toBe(198);
    expect(answer.versions.v2).toMatchObject({ requests: 90, errors: 10 });
    expect(answer.versions.v2?.latency.sumMs).toBeUndefined();
  });

  it('says which query Prometheus refused, and why', async () => {
    const broken = new PrometheusMetricsSource({
      url,
      queries: { errors: 'sum by (version) (increase(http_requests_total[{{window}}]' },
    });
    const error = await broken.query(query(start, afterFast)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodedanceError);
    expect((error as CodedanceError).code).toBe('CD_INVALID_CONFIG');
    expect((error as CodedanceError).message).toMatch(
      /^Prometheus refused the errors query \(400\): .*parse error/,
    );

    const unlabelled = new PrometheusMetricsSource({
      url,
      queries: { requests: 'sum(increase(http_requests_total{app="{{app}}"}[{{window}}]))' },
    });
    const lost = await unlabelled.query(query(start, afterFast)).catch((e: unknown) => e);
    expect((lost as CodedanceError).code).toBe('CD_INVALID_CONFIG');
    expect((lost as CodedanceError).message).toBe(
      'The requests query must keep the version label, as `sum by (version) (…)` does.',
    );
  });

  it('says when Prometheus cannot be reached, and refuses an empty interval', async () => {
    const closed = await freePort();
    const away = new PrometheusMetricsSource({
      url: `http://127.0.0.1:${closed}`,
      headers: { authorization: 'Bearer s3cret' },
    });
    const error = await away.query(query(start, afterFast)).catch((e: unknown) => e);
    expect((error as CodedanceError).code).toBe('CD_BAD_GATEWAY');
    expect((error as CodedanceError).message).toBe(
      `Prometheus at http://127.0.0.1:${closed} could not be reached: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:${closed}.`,
    );
    expect(JSON.stringify((error as CodedanceError).toBody())).not.toContain('s3cret');

    const empty = await source()
      .query(query(afterFast, afterFast))
      .catch((e: unknown) => e);
    expect((empty as CodedanceError).code).toBe('CD_BAD_REQUEST');
  });
});
