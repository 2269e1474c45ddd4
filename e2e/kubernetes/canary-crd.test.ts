// The CanaryDeployment CRD on a real API server: what it accepts, what it refuses (and how it
// says so), its defaults, its status subresource and the columns kubectl prints.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  CANARY_API_VERSION,
  CANARY_GROUP,
  CANARY_KIND,
  CANARY_PLURAL,
  CANARY_VERSION,
  validateCanarySpec,
  type CanaryDeployment,
} from '@codedance/kubernetes';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { environmentProblem, startCluster, type TestCluster } from './support/index.js';

const problem = environmentProblem();
if (problem) console.warn(`CanaryDeployment CRD tests skipped: ${problem}`);

const NAMESPACE = 'shop';
const deployDir = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const seedExample = parse(readFileSync(`${deployDir}examples/canary.yaml`, 'utf8')) as {
  spec: Record<string, unknown>;
};

const where = { group: CANARY_GROUP, version: CANARY_VERSION, plural: CANARY_PLURAL };

function canary(name: string, spec: Record<string, unknown>) {
  return { apiVersion: CANARY_API_VERSION, kind: CANARY_KIND, metadata: { name }, spec };
}

/** The API server's answer to a create: 201 with the object, or the error's status and message. */
async function create(
  api: CustomObjectsApi,
  name: string,
  spec: Record<string, unknown>,
): Promise<{ status: number; message: string; object?: CanaryDeployment }> {
  try {
    const object = (await api.createNamespacedCustomObject({
      ...where,
      namespace: NAMESPACE,
      body: canary(name, spec),
    })) as CanaryDeployment;
    return { status: 201, message: '', object };
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    const body = JSON.parse(String(error.body)) as { message?: string };
    return { status: error.code, message: body.message ?? '' };
  }
}

/** A copy of `spec` with the value at `path` (dot-separated, numbers index arrays) set or deleted. */
function changed(spec: Record<string, unknown>, path: string, value: unknown) {
  const copy = structuredClone(spec);
  const keys = path.split('.');
  let node = copy;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
  return copy;
}

describe.skipIf(problem !== null)('the CanaryDeployment CRD on a real API server', () => {
  let cluster: TestCluster;
  let api: CustomObjectsApi;

  beforeAll(async () => {
    cluster = await startCluster();
    api = cluster.kubeconfig.makeApiClient(CustomObjectsApi);
    await cluster.kubectl(['apply', '-f', `${deployDir}crd.yaml`]);
    const extensions = cluster.kubeconfig.makeApiClient(ApiextensionsV1Api);
    await waitFor(
      async () => {
        const crd = await extensions.readCustomResourceDefinition({
          name: `${CANARY_PLURAL}.${CANARY_GROUP}`,
        });
        return (crd.status?.conditions ?? []).some(
          (c) => c.type === 'Established' && c.status === 'True',
        );
      },
      30_000,
      'the CRD to be established',
      100,
    );
    await cluster.createNamespace(NAMESPACE);
  }, 120_000);

  afterAll(async () => {
    await (cluster as TestCluster | undefined)?.stop();
  }, 60_000);

  it("accepts seed 000's example and fills in the same defaults as validateCanarySpec", async () => {
    const created = await create(api, 'codedance-app', seedExample.spec);
    expect(created.status, created.message).toBe(201);
    const local = validateCanarySpec(seedExample.spec);
    expect(local.ok).toBe(true);
    expect(created.object?.spec).toEqual(local.ok ? local.value : null);
    expect(created.object?.spec.traffic).toEqual({ provider: 'router', port: 80 });
    expect(created.object?.spec.analysis).toMatchObject({ interval: '10s', failureLimit: 1 });
  });

  it('accepts a minimal release and a full one, each as validateCanarySpec reads it', async () => {
    const full = {
      targetDeployment: 'web.v1',
      canaryVersion: 'v3.1.0-rc.1',
      templatePatch: {
        container: 'web',
        image: 'registry.example.com/web:3.1.0-rc.1',
        env: [{ name: 'FEATURE_X', value: 'on' }],
      },
      strategy: {
        type: 'blueGreen',
        steps: [
          { weight: 50, pause: 'untilPromoted' },
          { weight: 100, pause: '1m30s' },
        ],
        observe: '5m',
      },
      metrics: {
        successRate: { threshold: 0.99 },
        errorRate: { threshold: 0.01 },
        latency: { p50: '50ms', p90: '120ms', p99: '300ms' },
        requestRate: { min: 2.5 },
      },
      analysis: { interval: '30s', failureLimit: 3, baseline: { enabled: false } },
      hooks: {
        preRollout: { url: 'https://checks.example.com/ready' },
        test: { command: ['npm', 'test'], timeout: '10m' },
        confirmPromotion: true,
      },
      traffic: {
        provider: 'gatewayAPI',
        port: 8080,
        headerRouting: true,
        gatewayAPI: {
          parentRefs: [{ name: 'public', namespace: 'gateways' }],
          hostnames: ['shop.example.com'],
        },
      },
    };
    for (const [name, spec] of [
      ['minimal', { targetDeployment: 'web', canaryVersion: 'v2' }],
      ['full', full],
    ] as const) {
      const created = await create(api, name, spec);
      expect(created.status, created.message).toBe(201);
      const local = validateCanarySpec(spec);
      expect(local.ok ? local.value : local.problems).toEqual(created.object?.spec);
    }
  });

  const base = {
    targetDeployment: 'web',
    canaryVersion: 'v2',
    strategy: { steps: [{ weight: 10 }] },
  };
  const refusals: [string, unknown, string, string][] = [
    ['targetDeployment', undefined, 'spec.targetDeployment', '/targetDeployment'],
    ['targetDeployment', 'Web_App', 'spec.targetDeployment', '/targetDeployment'],
    ['canaryVersion', 'v2 beta', 'spec.canaryVersion', '/canaryVersion'],
    ['strategy.type', 'random', 'spec.strategy.type', '/strategy/type'],
    ['strategy.steps.0.weight', 150, 'spec.strategy.steps.weight', '/strategy/steps/0/weight'],
    ['strategy.steps.0.pause', 'soon', 'spec.strategy.steps.pause', '/strategy/steps/0/pause'],
    [
      'metrics.successRate.threshold',
      95,
      'spec.metrics.successRate.threshold',
      '/metrics/successRate/threshold',
    ],
    ['metrics.latency.p99', 'fast', 'spec.metrics.latency.p99', '/metrics/latency/p99'],
    ['analysis.failureLimit', -1, 'spec.analysis.failureLimit', '/analysis/failureLimit'],
    ['traffic.provider', 'linkerd', 'spec.traffic.provider', '/traffic/provider'],
    [
      'traffic.gatewayAPI',
      { hostnames: ['a.example.com'] },
      'spec.traffic.gatewayAPI.parentRefs',
      '/traffic/gatewayAPI/parentRefs',
    ],
    ['hooks.preRollout', { timeout: '1m' }, 'spec.hooks.preRollout', '/hooks/preRollout'],
    ['autoRollback.enabled', 'yes', 'spec.autoRollback.enabled', '/autoRollback/enabled'],
  ];

  it.each(refusals)(
    'refuses %s = %j with 422 naming %s, as validateCanarySpec does',
    async (path, value, field, pointer) => {
      const spec = changed(base, path, value);
      const name = `bad-${path.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
      const created = await create(api, name, spec);
      expect(created.status).toBe(422);
      expect(created.message).toContain(field);
      const local = validateCanarySpec(spec);
      expect(local.ok).toBe(false);
      if (!local.ok) expect(local.problems.map((p) => p.path).join(' ')).toContain(pointer);
    },
  );

  it('keeps status apart from spec: each has its own endpoint, and only spec moves the generation', async () => {
    const name = 'codedance-app';
    const before = (await api.getNamespacedCustomObject({
      ...where,
      namespace: NAMESPACE,
      name,
    })) as CanaryDeployment;
    const status = {
      observedGeneration: before.metadata.generation,
      phase: 'Progressing',
      currentStep: 2,
      currentWeight: 25,
      stableVersion: 'v1.9.0',
      canaryVersion: 'v2.0.0',
      reason: 'step 3 of 5 holds for 5m',
      startedAt: '2025-01-20T10:30:00Z',
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'StableServing',
          lastTransitionTime: '2025-01-20T10:30:00Z',
        },
      ],
    };
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const patched = (await api.patchNamespacedCustomObjectStatus(
      { ...where, namespace: NAMESPACE, name, body: { status } },
      merge,
    )) as CanaryDeployment;
    expect(patched.status).toEqual(status);
    expect(patched.metadata.generation).toBe(before.metadata.generation);

    // Through the main endpoint, status is ignored and spec moves the generation.
    const respec = (await api.patchNamespacedCustomObject(
      {
        ...where,
        namespace: NAMESPACE,
        name,
        body: { spec: { paused: true }, status: { phase: 'Failed' } },
      },
      merge,
    )) as CanaryDeployment;
    expect(respec.status?.phase).toBe('Progressing');
    expect(respec.spec.paused).toBe(true);
    expect(respec.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);

    // The status is checked too.
    const refused = await api
      .patchNamespacedCustomObjectStatus(
        {
          ...where,
          namespace: NAMESPACE,
          name,
          body: { status: { currentWeight: 150, phase: 'Exploded' } },
        },
        merge,
      )
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(ApiException);
    const message = (refused as ApiException<string>).body;
    expect((refused as ApiException<string>).code).toBe(422);
    expect(message).toContain('status.currentWeight');
    expect(message).toContain('status.phase');
  });

  it('prints the columns of a release list in kubectl get, and more with -o wide', async () => {
    const table = await cluster.kubectl(['get', 'canarydeployments', '-n', NAMESPACE]);
    const [header, ...rows] = table.trim().split('\n');
    expect(header).toMatch(/^NAME +APP +VERSION +STRATEGY +PHASE +STEP +WEIGHT +AGE$/);
    const row = rows.find((r) => r.startsWith('codedance-app '));
    expect(row).toMatch(
      /^codedance-app +codedance-app +v2\.0\.0 +linear +Progressing +2 +25 +\d+s$/,
    );
    const minimal = rows.find((r) => r.startsWith('minimal '));
    // No status yet: kubectl leaves those columns blank.
    expect(minimal).toMatch(/^minimal +web +v2 +linear +\d+s$/);

    const wide = await cluster.kubectl(['get', 'canaries', '-n', NAMESPACE, '-o', 'wide']);
    const [wideHeader, ...wideRows] = wide.trim().split('\n');
    expect(wideHeader).toMatch(/ +AGE +PROVIDER +REASON$/);
    expect(wideRows.find((r) => r.startsWith('codedance-app '))).toMatch(
      / +router +step 3 of 5 holds for 5m$/,
    );
  });
});
