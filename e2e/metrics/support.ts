// A real Prometheus (Debian's package, run as a plain process on loopback) and apps whose
// /metrics endpoints prom-client makes, for the metrics source suites.
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import {
  logTail,
  startProcess,
  stopProcess,
  type StartedProcess,
} from '../kubernetes/support/processes.js';
import { freePort, waitFor } from '../support/wait.js';

const PROMETHEUS = '/usr/bin/prometheus';

/** Why Prometheus cannot run here, or null. */
export function prometheusProblem(): string | null {
  try {
    accessSync(PROMETHEUS, constants.X_OK);
    return null;
  } catch {
    return `${PROMETHEUS} is not installed (apt-get install -y --no-install-recommends prometheus)`;
  }
}

/** An app's metrics as a router or the app itself would expose them, with a version label. */
export function appMetrics() {
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

/** Serves a registry's metrics on a free loopback port. */
export async function listen(registry: Registry): Promise<{ server: Server; port: number }> {
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

export interface RunningPrometheus {
  url: string;
  process: StartedProcess;
  /** The instant query's vector now. */
  instant: (
    promql: string,
  ) => Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** The time of the first scrape of `app`'s target after `ms`, to the millisecond. */
  scrapeAfter: (ms: number, app: string) => Promise<number>;
  stop: () => Promise<void>;
}

/** Prometheus scraping every second the targets given (port and labels), up once they are. */
export async function startPrometheus(
  dir: string,
  targets: readonly { port: number; labels: Record<string, string> }[],
): Promise<RunningPrometheus> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await writeFile(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: apps',
      '    static_configs:',
      ...targets.flatMap((t) => [
        `      - targets: ['127.0.0.1:${t.port}']`,
        `        labels: { ${Object.entries(t.labels)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')} }`,
      ]),
      '',
    ].join('\n'),
  );
  const process = startProcess(
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
  const instant = async (promql: string) => {
    const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  };
  try {
    // Discovery syncs every 5 s: wait for the targets to be up, never a fixed time.
    await waitFor(
      async () => (await instant('up{job="apps"} == 1').catch(() => [])).length === targets.length,
      60_000,
      'Prometheus to scrape its targets',
      200,
    );
  } catch (error) {
    await stopProcess(process, 5_000);
    throw new Error(`${String(error)}\n${logTail(join(dir, 'prometheus.log'))}`);
  }
  const scrapeAfter = async (ms: number, app: string) => {
    let at = 0;
    await waitFor(
      async () => {
        const [sample] = await instant(`timestamp(up{job="apps", app="${app}"})`);
        at = Math.round(Number(sample?.value[1] ?? 0) * 1000);
        return at > ms;
      },
      30_000,
      `a scrape of ${app}`,
      100,
    );
    return at;
  };
  return { url, process, instant, scrapeAfter, stop: () => stopProcess(process, 10_000) };
}
