import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import {
  isCodedanceError,
  type Endpoint,
  type WorkloadEvent,
  type WorkloadObservation,
  type WorkloadSpecInput,
} from '@codedance/core';
import { Harness, freePorts, httpService } from '../services/test-support/harness.js';
import { answer } from './test-support/conformance-support.js';
import { LocalRuntime } from './local.js';

const server = fileURLToPath(new URL('./test-support/fixtures/http-server.mjs', import.meta.url));

let h: Harness;
let runtime: LocalRuntime | null = null;

afterEach(async () => {
  runtime?.close();
  runtime = null;
  await h.cleanup();
});

function open(): LocalRuntime {
  runtime?.close();
  const services = h.supervisor;
  runtime = new LocalRuntime({
    services,
    bus: h.bus,
    tenant: 'default',
    clock: () => Date.now(),
    logger: pino({ level: 'silent' }),
  });
  return runtime;
}

function spec(extra: Partial<WorkloadSpecInput> = {}): WorkloadSpecInput {
  return {
    environment: 'staging',
    name: 'shop.v1',
    command: process.execPath,
    args: [server],
    readiness: { type: 'http', path: '/healthz' },
    ports: { kind: 'assigned' },
    ...extra,
  };
}

async function until(
  check: () => Promise<WorkloadObservation | null>,
  ok: (seen: WorkloadObservation) => boolean,
): Promise<WorkloadObservation> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const seen = await check();
    if (seen !== null && ok(seen)) return seen;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Which process answers at `endpoint`; asked until it answers, since a busy machine is slow. */
async function bootOf(endpoint: Endpoint): Promise<unknown> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const reply = await answer(endpoint, '/');
    if (reply !== null) return reply.body.boot;
    if (Date.now() > deadline) throw new Error(`nothing answers at port ${endpoint.port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const ref = { environment: 'staging', name: 'shop.v1' };
const ready = (n: number) => (o: WorkloadObservation) =>
  o.instances.length === n && o.instances.every((i) => i.ready);

describe('LocalRuntime', () => {
  it('runs a workload as the service <environment>.<name>, instance i on first + i', async () => {
    h = new Harness();
    await h.open();
    const local = open();
    const first = await freePorts(2);
    await local.create(
      spec({ replicas: 2, ports: { kind: 'block', first }, stopTimeoutMs: 10_000 }),
    );
    const seen = await until(() => local.observe(ref), ready(2));
    expect(seen.instances.map((i) => [i.id, i.endpoint])).toEqual([
      ['0-g1', { address: '127.0.0.1', port: first }],
      ['1-g1', { address: '127.0.0.1', port: first + 1 }],
    ]);
    expect(seen.instances[0]?.details.pid).toEqual(expect.any(Number));
    const service = h.supervisor.view('staging.shop.v1');
    expect(service.spec).toMatchObject({
      instances: 2,
      port: first,
      restart: 'always',
      stop_timeout_ms: 10_000,
    });
    expect(h.spawned.map((s) => s.env.PORT).sort()).toEqual([String(first), String(first + 1)]);
  });

  it('refuses an image: it runs commands on this host', async () => {
    h = new Harness();
    await h.open();
    const local = open();
    const error: unknown = await local
      .create({ environment: 'prod', name: 'api', image: 'registry.example/api:1' })
      .catch((e: unknown) => e);
    expect(isCodedanceError(error) && error.details).toEqual({
      problems: [{ path: '/image', message: expect.stringContaining('local runtime') }],
    });
    expect(await local.observe({ environment: 'prod', name: 'api' })).toBeNull();
  });

  it('finds its workloads again after a server restart, without restarting them', async () => {
    h = new Harness();
    await h.open();
    let local = open();
    await local.create(spec({ replicas: 2 }));
    const before = await until(() => local.observe(ref), ready(2));
    const boots = await Promise.all(before.instances.map((i) => bootOf(i.endpoint!)));

    await h.reopen();
    local = open();
    const after = await until(() => local.observe(ref), ready(2));
    expect(after.instances.map((i) => [i.id, i.endpoint, i.restarts])).toEqual(
      before.instances.map((i) => [i.id, i.endpoint, 0]),
    );
    const again = await Promise.all(after.instances.map((i) => bootOf(i.endpoint!)));
    expect(again).toEqual(boots);
  });

  it('leaves alone the services that are no workload', async () => {
    h = new Harness();
    const supervisor = await h.open();
    const local = open();
    const events: WorkloadEvent[] = [];
    local.watch({}, (event) => events.push(event));
    const port = await freePorts(1);
    await supervisor.create(httpService('web', port), { start: true });
    await h.until('web', (v) => v.status === 'ONLINE');
    await local.create(spec());
    await until(() => local.observe(ref), ready(1));
    expect(new Set(events.map((e) => `${e.ref.environment}/${e.ref.name}`))).toEqual(
      new Set(['staging/shop.v1']),
    );
    // A service a person stops through the services API is seen stopped here too.
    await supervisor.stopService('staging.shop.v1');
    expect(await local.observe(ref)).toMatchObject({ stopped: true, instances: [] });
    expect(events.at(-1)).toMatchObject({ type: 'instance-gone' });
  });
});
