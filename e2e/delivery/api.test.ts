import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  freePort,
  post,
  shopManifest,
  startTestServer,
  until,
  waitFor,
  watchRouting,
  type Deployment,
  type RoutingWatch,
  type TestServer,
} from './support.js';

const ENDED = ['COMPLETED', 'FAILED', 'ROLLED_BACK'];

interface Problem {
  path: string;
  message: string;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { problems?: Problem[] } };
}

describe('the delivery API', () => {
  let server: TestServer;
  let port: number;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: { text: string; deployment: { status: string } }[] = [];
  let routing: RoutingWatch;

  beforeAll(async () => {
    server = await startTestServer();
    port = await freePort();
    routing = watchRouting(() => server, 'test', 'api');
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address() as { port: number };
    receiverUrl = `http://127.0.0.1:${address.port}/hook`;
  });

  afterAll(async () => {
    await routing.stop();
    await server.json('/api/apps/test/api', { method: 'DELETE' });
    await server.cleanup();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('applies a YAML manifest, and refuses a bad one naming each field', async () => {
    const yaml = [
      'apiVersion: deploy.codedance.io/v1alpha1',
      'kind: App',
      'metadata: { name: api, namespace: test }',
      'spec:',
      `  port: ${port}`,
      '  instances: 1',
      `  run: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(shopManifest('x', 1).spec.run.args[0])}] }`,
      '  readiness: { type: http, path: /healthz }',
      '  strategy: { type: CANARY, canary: { steps: [ { weight: 50, pause: 1s, analysis: false } ] } }',
      `  hooks: { webhook: ${JSON.stringify(receiverUrl)}, preRollout: { command: [/bin/sh, -c, 'test "$CODEDANCE_VERSION" != v-bad'] } }`,
    ].join('\n');
    const applied = await server.json<{ created: boolean; app: { port: number; key: string } }>(
      '/api/apply',
      {
        method: 'POST',
        headers: { 'content-type': 'application/yaml' },
        body: yaml,
      },
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    expect(applied.body.app).toMatchObject({ port, key: 'test.api' });

    const again = await server.json<{ created: boolean }>('/api/apply', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: yaml,
    });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);

    const broken = await server.json<ErrorBody>('/api/apply', {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'apiVersion: [unclosed',
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/not valid YAML/);

    const invalid = await post<ErrorBody>(server, '/api/apply', {
      apiVersion: 'deploy.codedance.io/v1alpha1',
      kind: 'App',
      metadata: { name: 'Bad Name' },
      spec: { port: 70000, run: { command: '' } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('CD_VALIDATION_FAILED');
    expect(invalid.body.error.details?.problems?.map((p) => p.path)).toEqual(
      expect.arrayContaining(['/metadata/name', '/spec/port', '/spec/run/command']),
    );

    const clash = await post<ErrorBody>(server, '/api/apply', shopManifest('other', port));
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toMatch(/public port of test\.api/);
  });

  it('streams release events, calls the webhook, and records every release', async () => {
    const events: { type: string; data: { id: string; status?: string } }[] = [];
    const socket = new WebSocket(
      `${server.url.replace('http', 'ws')}/ws/events?types=deployment.status,deployment.progress`,
      { headers: server.auth },
    );
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString('utf8')) as {
        type: string;
        event?: (typeof events)[number];
      };
      if (message.type === 'event' && message.event !== undefined) events.push(message.event);
    });
    await new Promise((resolve) => socket.once('open', resolve));

    const first = await post<Deployment>(server, '/api/deployments', {
      app: 'api',
      namespace: 'test',
      version: 'v1',
      executor: 'ops-li',
    });
    expect(first.status).toBe(201);
    expect((await until(server, first.body.id, ENDED)).status).toBe('COMPLETED');
    const second = await post<Deployment>(server, '/api/deployments', {
      app: 'api',
      namespace: 'test',
      version: 'v2',
    });
    const busy = await post<ErrorBody>(server, '/api/deployments', {
      app: 'api',
      namespace: 'test',
      version: 'v3',
    });
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('CD_INVALID_STATE');
    expect((await until(server, second.body.id, ENDED)).status).toBe('COMPLETED');
    const bad = await post<Deployment>(server, '/api/deployments', {
      app: 'api',
      namespace: 'test',
      version: 'v-bad',
    });
    const failed = await until(server, bad.body.id, ENDED);
    expect(failed.status).toBe('FAILED');
    expect(failed.reason).toMatch(/pre-rollout hook failed: exit code 1/);

    await waitFor(
      () => events.some((e) => e.data.id === bad.body.id && e.data.status === 'FAILED'),
      10_000,
      'the FAILED event',
    );
    socket.close();
    expect(
      events.some((e) => e.type === 'deployment.progress' && e.data.id === second.body.id),
    ).toBe(true);
    await waitFor(
      () => received.some((r) => r.deployment.status === 'FAILED'),
      10_000,
      'the webhook',
    );
    expect(received.find((r) => r.deployment.status === 'COMPLETED')?.text).toMatch(
      /api v1 \(test\): RUNNING → COMPLETED/,
    );

    const same = await post<ErrorBody>(server, '/api/deployments', {
      app: 'api',
      namespace: 'test',
      version: 'v2',
    });
    expect(same.status).toBe(409);
    const unknown = await post<ErrorBody>(server, '/api/deployments', {
      app: 'nope',
      namespace: 'test',
      version: 'v1',
    });
    expect(unknown.status).toBe(404);
    const badVersion = await post<ErrorBody>(server, '/api/deployments', {
      app: 'api',
      namespace: 'test',
      version: 'has space',
    });
    expect(badVersion.status).toBe(400);
  }, 120_000);

  it('lists, filters, pages and exports releases', async () => {
    const all = await server.json<{
      items: { version: string; executor: string }[];
      total: number;
      nextCursor: string | null;
    }>('/api/deployments?app=api');
    expect(all.body.total).toBe(3);
    expect(all.body.items.map((i) => i.version)).toEqual(['v-bad', 'v2', 'v1']);
    const page = await server.json<{ items: { version: string }[]; nextCursor: string | null }>(
      '/api/deployments?app=api&limit=2',
    );
    expect(page.body.items).toHaveLength(2);
    const rest = await server.json<{ items: { version: string }[]; nextCursor: string | null }>(
      `/api/deployments?app=api&limit=2&cursor=${page.body.nextCursor}`,
    );
    expect(rest.body.items.map((i) => i.version)).toEqual(['v1']);
    expect(rest.body.nextCursor).toBeNull();
    const failed = await server.json<{ total: number }>(
      '/api/deployments?status=FAILED&environment=test',
    );
    expect(failed.body.total).toBe(1);
    // Several statuses at once, as the dashboard's "failed" count (failed or rolled back) asks.
    const ended = await server.json<{ total: number }>(
      '/api/deployments?status=FAILED,COMPLETED&app=api',
    );
    expect(ended.body.total).toBe(3);
    const badList = await server.json<ErrorBody>('/api/deployments?status=FAILED,DONE');
    expect(badList.status).toBe(400);
    const searched = await server.json<{ items: { executor: string }[] }>(
      '/api/deployments?q=OPS-LI',
    );
    expect(searched.body.items.map((i) => i.executor)).toEqual(['ops-li']);
    const future = await server.json<{ total: number }>(
      '/api/deployments?from=2999-01-01T00:00:00Z',
    );
    expect(future.body.total).toBe(0);
    const badStatus = await server.json<ErrorBody>('/api/deployments?status=DONE');
    expect(badStatus.status).toBe(400);

    const csv = await server.get('/api/deployments/export?format=csv&app=api');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(
      /attachment; filename="deployments-.*\.csv"/,
    );
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,app,version,previousVersion,environment,deploymentType,status,reason,executor,startTime,endTime,durationMs',
    );
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      /,api,v-bad,v2,test,CANARY,FAILED,pre-rollout hook failed: exit code 1,api,/,
    );
    const json = await server.json<{ deployments: unknown[]; total: number }>(
      '/api/deployments/export?format=json&app=api',
    );
    expect(json.body.total).toBe(3);
  });

  it('starts a router that died again, on the same port with its last table', async () => {
    const before = await server.json<{ router: { pid: number; status: string } | null }>(
      '/api/apps/test/api',
    );
    expect(before.body.router?.status).toBe('ok');
    const pid = before.body.router?.pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const now = await server.json<{ router: { pid: number } | null }>('/api/apps/test/api');
        return now.body.router !== null && now.body.router.pid !== pid;
      },
      15_000,
      'a new router',
    );
    const answer = await fetch(`http://127.0.0.1:${port}/`);
    expect(await answer.json()).toMatchObject({ version: 'v2' });
  });

  it("answers seed 000's canary and metrics paths as written", async () => {
    const list = await server.json<Record<string, unknown>[]>('/api/canaries');
    expect(list.body).toEqual([
      expect.objectContaining({
        name: 'api',
        namespace: 'test',
        phase: 'Failed',
        currentStep: expect.any(Number),
        currentWeight: 0,
        strategy: 'custom',
        createdAt: expect.any(String),
      }),
    ]);
    const detail = await server.json<{
      apiVersion: string;
      kind: string;
      spec: Record<string, unknown>;
      status: Record<string, unknown>;
    }>('/api/canaries/?namespace=test&name=api');
    expect(detail.body).toMatchObject({
      apiVersion: 'deploy.codedance.io/v1alpha1',
      kind: 'CanaryDeployment',
      metadata: { name: 'api', namespace: 'test' },
      spec: {
        targetDeployment: 'api',
        canaryVersion: 'v-bad',
        metrics: {
          successRate: { threshold: 0.95, unit: 'fraction' },
          errorRate: { threshold: 0.05, unit: 'fraction' },
          latency: { p99: '200ms' },
        },
        autoRollback: { enabled: true },
      },
      status: { phase: 'Failed' },
    });
    const missing = await server.json<ErrorBody>('/api/canaries/?namespace=test');
    expect(missing.status).toBe(400);
    const unknown = await server.json<ErrorBody>('/api/canaries/?namespace=test&name=nope');
    expect(unknown.status).toBe(404);

    // A known number of requests, all inside the metrics' 10-second window.
    for (let i = 0; i < 60; i += 1) await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const metrics = await server.json<Record<string, unknown>>(
      '/api/metrics/?namespace=test&name=api',
    );
    const { requests, requestRate, windowSeconds } = metrics.body as Record<string, number>;
    expect(requests).toBeGreaterThanOrEqual(60);
    // The rate divides by the time the window covered (at most 11 s: its seconds, the last not
    // over yet), never by a fixed 11 s.
    expect(windowSeconds).toBeGreaterThan(0);
    expect(windowSeconds).toBeLessThan(11);
    expect(Math.abs(requestRate! * windowSeconds! - requests!)).toBeLessThan(0.1 * windowSeconds!);
    expect(metrics.status).toBe(200);
    // Percent here, as seed 000 has it, and said so; the thresholds above are fractions.
    expect(metrics.body).toMatchObject({
      version: 'v2',
      successRate: 100,
      errorRate: 0,
      requestRate: expect.any(Number),
      units: { successRate: 'percent', errorRate: 'percent', latencyP99: 'ms' },
    });
    expect(Object.keys(metrics.body)).toEqual(
      expect.arrayContaining([
        'timestamp',
        'successRate',
        'errorRate',
        'latencyP50',
        'latencyP90',
        'latencyP99',
        'requestRate',
      ]),
    );
  });

  it('the router served the weights the record showed at every observation', async () => {
    const report = await routing.stop();
    expect(report.violations).toEqual([]);
    expect(report.observations).toBeGreaterThan(20);
  });
});
