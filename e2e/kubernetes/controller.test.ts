// `codedance controller` against a real API server: releases of a CanaryDeployment carried out
// with real requests flowing through the built-in router's pod to the app's pods (processes
// run by the test kubelet), a faulty canary rolled back by analysis, a controller killed
// mid-release, two controllers of which only the leader acts, a resource deleted mid-release,
// and an invalid one refused.
import { fileURLToPath } from 'node:url';
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type V1Deployment,
} from '@kubernetes/client-node';
import { ROUTER_BIN } from '@codedance/router';
import {
  CANARY_GROUP,
  CANARY_PLURAL,
  CANARY_VERSION,
  canaryName,
  releaseOf,
  ROUTER_LABEL,
  type CanaryDeployment,
} from '@codedance/kubernetes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertBuilt,
  cleanEnv,
  startCli,
  type LongRunning,
} from '../../packages/cli/src/test-support/cli.js';
import { waitFor } from '../support/wait.js';
import {
  environmentProblem,
  startCluster,
  TestKubelet,
  type TestCluster,
} from './support/index.js';

const problem = environmentProblem();
if (problem) console.warn(`Kubernetes controller tests skipped: ${problem}`);

const deployDir = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const app = fileURLToPath(new URL('./fixtures/versioned-app.mjs', import.meta.url));
const params = { group: CANARY_GROUP, version: CANARY_VERSION, plural: CANARY_PLURAL };

interface Sample {
  at: number;
  status: number;
  version: string | null;
}

/** Requests to the router pod, a few at a time, each one recorded, until stopped. */
function startLoad(url: string): { samples: Sample[]; stop: () => Promise<void> } {
  const samples: Sample[] = [];
  let running = true;
  const worker = async () => {
    while (running) {
      const at = Date.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
        const body = (await response.json().catch(() => ({}))) as { version?: string };
        samples.push({ at, status: response.status, version: body.version ?? null });
      } catch {
        samples.push({ at, status: 0, version: null });
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const workers = [worker(), worker(), worker()];
  return {
    samples,
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

describe.skipIf(problem !== null)('codedance controller on a real API server', () => {
  let cluster: TestCluster;
  let kubelet: TestKubelet;
  /** What beforeAll got to start, for afterAll to stop even when it failed half-way. */
  const started: { cluster?: TestCluster; kubelet?: TestKubelet } = {};
  let custom: CustomObjectsApi;
  let apps: AppsV1Api;
  let core: CoreV1Api;
  const controllers: LongRunning[] = [];
  const loads: { stop: () => Promise<void> }[] = [];
  let namespaceCount = 0;

  beforeAll(async () => {
    assertBuilt();
    cluster = await startCluster();
    started.cluster = cluster;
    kubelet = await TestKubelet.start({
      kubeconfig: cluster.kubeconfig,
      images: {
        app: { command: [process.execPath, app] },
        router: { command: [process.execPath, ROUTER_BIN] },
      },
    });
    started.kubelet = kubelet;
    custom = cluster.kubeconfig.makeApiClient(CustomObjectsApi);
    apps = cluster.kubeconfig.makeApiClient(AppsV1Api);
    core = cluster.kubeconfig.makeApiClient(CoreV1Api);
    await cluster.kubectl(['apply', '-f', `${deployDir}crd.yaml`]);
    await cluster.createNamespace('codedance-system');
    await waitFor(
      async () => {
        try {
          await custom.listClusterCustomObject(params);
          return true;
        } catch {
          return false;
        }
      },
      30_000,
      'the CRD to be served',
      200,
    );
  }, 180_000);

  afterEach(async () => {
    for (const load of loads.splice(0)) await load.stop();
    for (const controller of controllers.splice(0)) {
      controller.child.kill('SIGTERM');
      await controller.exited(15_000).catch(() => {
        controller.stop();
      });
    }
  }, 30_000);

  afterAll(async () => {
    await started.kubelet?.stop();
    await started.cluster?.stop();
  }, 120_000);

  function controller(identity: string): LongRunning {
    const child = startCli(
      [
        'controller',
        '--kubeconfig',
        cluster.kubeconfigPath,
        '--router-image',
        'codedance.test/router',
        '--lease-duration',
        '4',
        '--identity',
        identity,
      ],
      cleanEnv(),
    );
    controllers.push(child);
    return child;
  }

  /** A namespace with the Deployment `web` running v1 on two ready pods. */
  async function appNamespace(): Promise<string> {
    namespaceCount += 1;
    const namespace = `ctl-${namespaceCount}-${Date.now().toString(36).slice(-4)}`;
    await cluster.createNamespace(namespace);
    const labels = { app: 'web', 'deploy.codedance.io/version': 'v1' };
    const body: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'codedance.test/app:v1',
                ports: [{ containerPort: 8080 }],
                env: [
                  {
                    name: 'VERSION',
                    valueFrom: {
                      fieldRef: { fieldPath: "metadata.labels['deploy.codedance.io/version']" },
                    },
                  },
                ],
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    };
    await apps.createNamespacedDeployment({ namespace, body });
    await waitFor(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
        return d.status?.readyReplicas === 2;
      },
      60_000,
      'web v1 to be ready',
      200,
    );
    return namespace;
  }

  function canary(
    namespace: string,
    spec: Partial<CanaryDeployment['spec']> = {},
  ): CanaryDeployment {
    return {
      apiVersion: `${CANARY_GROUP}/${CANARY_VERSION}`,
      kind: 'CanaryDeployment',
      metadata: { name: 'web', namespace },
      spec: {
        targetDeployment: 'web',
        canaryVersion: 'v2',
        strategy: {
          steps: [
            { weight: 25, pause: '4s' },
            { weight: 50, pause: '4s' },
            { weight: 100, pause: '2s' },
          ],
        },
        analysis: { interval: '2s', minRequests: 5, failureLimit: 0 },
        ...spec,
      },
    };
  }

  async function create(cr: CanaryDeployment): Promise<void> {
    await custom.createNamespacedCustomObject({
      ...params,
      namespace: cr.metadata.namespace ?? '',
      body: cr,
    });
  }

  async function read(namespace: string): Promise<CanaryDeployment | null> {
    try {
      return (await custom.getNamespacedCustomObject({
        ...params,
        namespace,
        name: 'web',
      })) as CanaryDeployment;
    } catch (error) {
      if (error instanceof ApiException && (error as ApiException<unknown>).code === 404) {
        return null;
      }
      throw error;
    }
  }

  async function until(
    namespace: string,
    what: string,
    check: (cr: CanaryDeployment) => boolean,
    timeoutMs = 120_000,
  ): Promise<CanaryDeployment> {
    let last: CanaryDeployment | null = null;
    try {
      await waitFor(
        async () => {
          last = await read(namespace);
          return last !== null && check(last);
        },
        timeoutMs,
        what,
        250,
      );
    } catch (error) {
      const seen = last as CanaryDeployment | null;
      throw new Error(
        `${String(error)}; last status: ${JSON.stringify({ ...seen?.status, release: undefined })}`,
      );
    }
    return last as unknown as CanaryDeployment;
  }

  /** The router pod's traffic address, once one is ready. */
  async function routerUrl(namespace: string): Promise<string> {
    let url = '';
    await waitFor(
      async () => {
        const pods = await core.listNamespacedPod({
          namespace,
          labelSelector: `${ROUTER_LABEL}=web`,
        });
        const ready = pods.items.find((p) =>
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
        if (ready?.status?.podIP === undefined) return false;
        url = `http://${ready.status.podIP}:8080/`;
        // Serving once its table lists the stable pods.
        const answer = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => null);
        return answer?.status === 200;
      },
      60_000,
      'the router to serve',
      200,
    );
    return url;
  }

  function load(url: string): Sample[] {
    const started = startLoad(url);
    loads.push(started);
    return started.samples;
  }

  async function deploymentExists(namespace: string, name: string): Promise<boolean> {
    try {
      await apps.readNamespacedDeployment({ name, namespace });
      return true;
    } catch {
      return false;
    }
  }

  it('releases a healthy canary to the end, requests flowing through the router to the pods', async () => {
    const namespace = await appNamespace();
    const running = controller('ctl-healthy');
    await running.waitFor(/leads/, 30_000);
    await create(canary(namespace));
    const samples = load(await routerUrl(namespace));

    const seenMidway = await until(
      namespace,
      'the canary to take traffic',
      (cr) => (cr.status?.currentWeight ?? 0) > 0,
    );
    expect(seenMidway.status?.phase).toBe('Progressing');
    const done = await until(
      namespace,
      'the release to succeed',
      (cr) => cr.status?.phase === 'Succeeded',
    );
    await new Promise((r) => setTimeout(r, 1500));

    const status = done.status!;
    expect(status).toMatchObject({ canaryVersion: 'v2', stableVersion: 'v1', currentWeight: 100 });
    expect(status.observedGeneration).toBe(done.metadata.generation);
    expect(status.conditions?.find((c) => c.type === 'Succeeded')?.status).toBe('True');
    const release = releaseOf(done)!;
    expect(release.record.status).toBe('COMPLETED');
    expect(release.record.analysis.length).toBeGreaterThan(0);
    // The target runs v2 now; the canary Deployment is gone; the target's replicas are its own.
    const target = await apps.readNamespacedDeployment({ name: 'web', namespace });
    expect(target.spec?.template.metadata?.labels?.['deploy.codedance.io/version']).toBe('v2');
    expect(target.spec?.replicas).toBe(2);
    await waitFor(
      async () => !(await deploymentExists(namespace, canaryName('web'))),
      30_000,
      'the canary Deployment to go',
    );

    const ok = samples.filter((s) => s.status === 200);
    expect(ok.some((s) => s.version === 'v1')).toBe(true);
    expect(ok.some((s) => s.version === 'v2')).toBe(true);
    const last = samples.slice(-30);
    expect(last.filter((s) => s.status === 200).every((s) => s.version === 'v2')).toBe(true);
    expect(last.filter((s) => s.status !== 200).length).toBeLessThanOrEqual(1);
    const failed = samples.filter((s) => s.status !== 200).length;
    console.log(`healthy release: ${samples.length} requests, ${failed} failed`);
    expect(failed / samples.length).toBeLessThan(0.01);
  }, 240_000);

  it('rolls a faulty canary back on its analysis, traffic back on the stable pods', async () => {
    const namespace = await appNamespace();
    const running = controller('ctl-faulty');
    await running.waitFor(/leads/, 30_000);
    await create(canary(namespace, { templatePatch: { env: [{ name: 'FAULTY', value: '1' }] } }));
    const samples = load(await routerUrl(namespace));
    const failed = await until(
      namespace,
      'the release to fail',
      (cr) => cr.status?.phase === 'Failed',
    );
    expect(failed.status?.reason ?? '').toMatch(/rate|analysis|error/i);
    expect(releaseOf(failed)?.record.status).toBe('ROLLED_BACK');
    await waitFor(
      async () => !(await deploymentExists(namespace, canaryName('web'))),
      30_000,
      'the canary Deployment to go',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const target = await apps.readNamespacedDeployment({ name: 'web', namespace });
    expect(target.spec?.template.metadata?.labels?.['deploy.codedance.io/version']).toBe('v1');

    const errors = samples.filter((s) => s.status !== 200);
    expect(errors.length).toBeGreaterThan(0);
    const firstError = errors[0]!.at;
    const lastError = errors.at(-1)!.at;
    const after = samples.filter((s) => s.at > lastError);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => s.status === 200 && s.version === 'v1')).toBe(true);
    const during = samples.filter((s) => s.at >= firstError && s.at <= lastError);
    console.log(
      `faulty canary: first failed request to traffic back on stable ${lastError - firstError} ms; ${errors.length} of ${samples.length} requests failed (${during.length} sent meanwhile)`,
    );
  }, 240_000);

  it('resumes a release after its controller is killed, without repeating a step', async () => {
    const namespace = await appNamespace();
    const first = controller('ctl-first');
    await first.waitFor(/leads/, 30_000);
    await create(
      canary(namespace, {
        strategy: {
          steps: [
            { weight: 20, pause: '5s' },
            { weight: 40, pause: '5s' },
            { weight: 100, pause: '2s' },
          ],
        },
      }),
    );
    load(await routerUrl(namespace));
    await until(namespace, 'the second step', (cr) => (cr.status?.currentStep ?? 0) >= 1);
    first.child.kill('SIGKILL');
    await first.exited(10_000);
    const killedAt = await read(namespace);
    const second = controller('ctl-second');
    // The first one's Lease has to run out before the second may act.
    await second.waitFor(/leads/, 30_000);
    const done = await until(
      namespace,
      'the release to succeed',
      (cr) => cr.status?.phase === 'Succeeded',
    );
    const record = releaseOf(done)!.record;
    const before = releaseOf(killedAt!)!.record;
    // The steps done before the kill kept their times: none was started again.
    for (const [i, step] of before.progress.steps.entries()) {
      if (step.startTime !== undefined)
        expect(record.progress.steps[i]?.startTime).toBe(step.startTime);
    }
    for (const step of record.progress.steps) expect(step.status).toBe('COMPLETED');
    const lines = record.logs.map((l) => l.message);
    expect(new Set(lines).size).toBe(lines.length);
  }, 240_000);

  it('lets only the leader of two controllers act', async () => {
    const namespace = await appNamespace();
    const a = controller('ctl-a');
    await a.waitFor(/ctl-a leads/, 30_000);
    const b = controller('ctl-b');
    await b.waitFor(/Codedance controller watching/, 30_000);
    await create(canary(namespace));
    load(await routerUrl(namespace));
    await until(namespace, 'the release to succeed', (cr) => cr.status?.phase === 'Succeeded');
    const coordination = cluster.kubeconfig.makeApiClient(CoordinationV1Api);
    const lease = await coordination.readNamespacedLease({
      name: 'codedance-controller',
      namespace: 'codedance-system',
    });
    expect(lease.spec?.holderIdentity).toBe('ctl-a');
    expect(a.stdout()).toContain(`${namespace}/web: release of v2 begins`);
    expect(b.stdout()).not.toContain('leads');
    expect(b.stdout()).not.toContain(namespace);
  }, 240_000);

  it('cleans up when the resource is deleted mid-release', async () => {
    const namespace = await appNamespace();
    const running = controller('ctl-delete');
    await running.waitFor(/leads/, 30_000);
    await create(
      canary(namespace, { strategy: { steps: [{ weight: 50, pause: '60s' }, { weight: 100 }] } }),
    );
    const samples = load(await routerUrl(namespace));
    await until(
      namespace,
      'the canary to take half the traffic',
      (cr) => cr.status?.currentWeight === 50,
    );
    await waitFor(() => samples.some((s) => s.version === 'v2'), 20_000, 'v2 to answer');
    await custom.deleteNamespacedCustomObject({ ...params, namespace, name: 'web' });
    await waitFor(async () => (await read(namespace)) === null, 60_000, 'the resource to go', 250);
    const gone = Date.now();
    await waitFor(
      async () => !(await deploymentExists(namespace, canaryName('web'))),
      30_000,
      'the canary Deployment to go',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const after = samples.filter((s) => s.at > gone + 500);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => s.status === 200 && s.version === 'v1')).toBe(true);
    expect(await deploymentExists(namespace, 'web')).toBe(true);
  }, 240_000);

  it('refuses an invalid resource with 422, naming the field', async () => {
    const namespace = await appNamespace();
    const bad = canary(namespace, { strategy: { steps: [{ weight: 150 }] } });
    const error: unknown = await create(bad).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(422);
    expect(String((error as ApiException<unknown>).body)).toContain('spec.strategy.steps');
  }, 120_000);
});
