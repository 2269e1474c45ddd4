// The Prometheus metrics source against a real Prometheus (Debian's package, run as a plain
// process on loopback) scraping a real /metrics endpoint made with prom-client, whose latency
// histogram shifts for the canary between two intervals.
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodedanceError, histogramQuantile, type MetricsQuery } from '@codedance/core';
import { PrometheusMetricsSource } from '@codedance/kubernetes';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  logTail,
  startProcess,
  stopProcess,
  type StartedProcess,
} from '../kubernetes/support/processes.js';
import { freePort, waitFor } from '../support/wait.js';

const PROMETHEUS = '/usr/bin/prometheus';
function missing(): string | null {
  try {
    accessSync(PROMETHEUS, constants.X_OK);
    return null;
  } catch {
    return `${PROMETHEUS} is not installed (apt-get install -y --no-install-recommends prometheus)`;
  }
}
const problem = missing();
if (problem) console.warn(`Prometheus source tests skipped: ${problem}`);

/** An app's metrics as a router or the app itself would expose them, with a version label. */
function appMetrics() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests answered, by version and status code.',
    labelNames: ['version', 'code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer, by version.',
    labelNames: ['version'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Every series exists, at zero, before the first request: increase() starts from a sample.
  for (const version of ['v1', 'v2']) {
    for (const code of ['200', '500']) requests.inc({ version, code }, 0);
    latency.zero({ version });
  }
  const serve = (version: string, count: number, code: string, seconds: number) => {
    requests.inc({ version, code }, count);
    for (let i = 0; i < count; i += 1) latency.observe({ version }, seconds);
  };
  return { registry, serve };
}

async function listen(registry: Registry): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

describe.skipIf(problem !== null)('the Prometheus metrics source on a real Prometheus', () => {
  let dir: string;
  let prometheus: StartedProcess;
  let url: string;
  const servers: Server[] = [];
  const web = appMetrics();
  const other = appMetrics();
  /** Scrape times (epoch ms) that bound the two intervals. */
  let start = 0;
  let afterFast = 0;
  let afterShift = 0;

  /** The instant query's vector at `time` (now when left out). */
  async function instant(
    promql: string,
  ): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  }

  /** The time of the first scrape of the web app's target after `ms`, to the millisecond. */
  async function scrapeAfter(ms: number): Promise<number> {
    let at = 0;
    await waitFor(
      async () => {
        const [sample] = await instant('timestamp(up{job="apps", app="web"})');
        at = Math.round(Number(sample?.value[1] ?? 0) * 1000);
        return at > ms;
      },
      30_000,
      'a scrape of the web app',
      100,
    );
    return at;
  }

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
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: apps',
        '    static_configs:',
        `      - targets: ['127.0.0.1:${a.port}']`,
        '        labels: { namespace: shop, app: web }',
        `      - targets: ['127.0.0.1:${b.port}']`,
        '        labels: { namespace: shop, app: other }',
        '',
      ].join('\n'),
    );
    prometheus = startProcess(
      'prometheus',
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { logPath: join(dir, 'prometheus.log'), dieWithParent: true, cwd: dir },
    );
    try {
      // Discovery syncs every 5 s: wait for both targets to be up, never a fixed time.
      await waitFor(
        async () => (await instant('up{job="apps"} == 1').catch(() => [])).length === 2,
        60_000,
        'Prometheus to scrape both targets',
        200,
      );
    } catch (error) {
      throw new Error(`${String(error)}\n${logTail(join(dir, 'prometheus.log'))}`);
    }
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
    if ((prometheus as StartedProcess | undefined) !== undefined)
      await stopProcess(prometheus, 10_000);
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
