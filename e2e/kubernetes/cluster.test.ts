import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type V1Endpoints,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import {
  environmentProblem,
  startCluster,
  TestKubelet,
  type RunningPod,
  type TestCluster,
} from './support/index.js';
import { processStartTime, readRun, stateDir } from './support/runs.js';

const execFileAsync = promisify(execFile);
const problem = environmentProblem();
if (problem) console.warn(`Kubernetes end-to-end tests skipped: ${problem}`);

const NAMESPACE = 'shop';
const echoServer = fileURLToPath(new URL('./fixtures/echo-server.mjs', import.meta.url));

/** The API error's HTTP status, or the error itself when it is not one. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

function addresses(endpoints: V1Endpoints | null): { ip: string; pod: string }[] {
  return (endpoints?.subsets ?? []).flatMap((s) =>
    (s.addresses ?? []).map((a) => ({ ip: a.ip, pod: a.targetRef?.name ?? '' })),
  );
}

/** A process that exited and waits to be reaped counts as gone. */
function alive(pid: number | undefined): boolean {
  return pid !== undefined && processStartTime(pid) !== null;
}

interface EchoAnswer {
  pod: string;
  podIP: string;
  pid: number;
}

async function ask(ip: string): Promise<EchoAnswer> {
  const response = await fetch(`http://${ip}:8080/hello`, { signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
  return (await response.json()) as EchoAnswer;
}

describe.skipIf(problem !== null)('a real Kubernetes API server with the test kubelet', () => {
  let cluster: TestCluster;
  let kubelet: TestKubelet;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const seenPids = new Set<number>();
  const seenNetns = new Set<string>();

  const shopPods = () => kubelet.pods().filter((p) => p.namespace === NAMESPACE);
  const endpoints = () =>
    core.readNamespacedEndpoints({ name: 'web', namespace: NAMESPACE }).catch(() => null);
  const remember = (pods: RunningPod[]) => {
    for (const pod of pods) {
      seenNetns.add(pod.netns);
      for (const c of pod.containers) if (c.pid !== undefined) seenPids.add(c.pid);
    }
  };

  beforeAll(async () => {
    cluster = await startCluster();
    kubelet = await TestKubelet.start({
      kubeconfig: cluster.kubeconfig,
      images: { echo: { command: [process.execPath, echoServer] } },
      logDir: `${cluster.dir}/pods`,
    });
    core = cluster.kubeconfig.makeApiClient(CoreV1Api);
    apps = cluster.kubeconfig.makeApiClient(AppsV1Api);
  }, 120_000);

  afterAll(async () => {
    // Either may be missing when beforeAll failed half-way.
    await (kubelet as TestKubelet | undefined)?.stop();
    await (cluster as TestCluster | undefined)?.stop();
  }, 60_000);

  it('runs a Deployment as real processes whose pod addresses the Endpoints list and that answer HTTP', async () => {
    await cluster.createNamespace(NAMESPACE);
    await apps.createNamespacedDeployment({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [
                {
                  name: 'web',
                  image: 'codedance.test/echo:1.0',
                  ports: [{ name: 'http', containerPort: 8080 }],
                  env: [
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                  ],
                  readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1 },
                },
              ],
            },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });

    // kube-controller-manager made the ReplicaSet, owned by the Deployment, and its pods.
    await waitFor(
      async () => {
        const sets = await apps.listNamespacedReplicaSet({ namespace: NAMESPACE });
        return sets.items.some((rs) => rs.metadata?.ownerReferences?.[0]?.kind === 'Deployment');
      },
      30_000,
      'the ReplicaSet',
      250,
    );
    await waitFor(
      async () => addresses(await endpoints()).length === 2,
      60_000,
      'two endpoints',
      250,
    );

    const listed = addresses(await endpoints());
    const running = shopPods();
    remember(running);
    expect(running).toHaveLength(2);
    const answers = await Promise.all(listed.map((a) => ask(a.ip)));
    for (const [i, { ip, pod }] of listed.entries()) {
      const local = running.find((p) => p.name === pod)!;
      expect(local.ip).toBe(ip);
      // A pod address is in the reserved benchmark range, and the kernel sends to it through
      // that pod's own veth: nothing leaves this machine.
      expect(ip).toMatch(/^198\.1[89]\.\d+\.\d+$/);
      const [route] = JSON.parse(
        (await execFileAsync('ip', ['-j', 'route', 'get', ip])).stdout,
      ) as {
        dev: string;
      }[];
      expect(route?.dev).toMatch(/^cdk[0-9a-f]{4}h\d+$/);
      // The answer comes from that pod's own process, which got its name and address from the spec.
      expect(answers[i]).toMatchObject({ pod, podIP: ip, pid: local.containers[0]!.pid });
      expect(alive(answers[i]!.pid)).toBe(true);
    }
    expect(new Set(answers.map((a) => a.pid)).size).toBe(2);

    const pods = await core.listNamespacedPod({ namespace: NAMESPACE });
    for (const pod of pods.items) {
      expect(pod.spec?.nodeName).toBe('codedance-test-node');
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
  }, 90_000);

  it('runs a third process when the Deployment is scaled to three', async () => {
    await apps.patchNamespacedDeployment(
      { name: 'web', namespace: NAMESPACE, body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor(
      async () => addresses(await endpoints()).length === 3,
      60_000,
      'three endpoints',
      250,
    );
    remember(shopPods());
    const answers = await Promise.all(addresses(await endpoints()).map((a) => ask(a.ip)));
    expect(new Set(answers.map((a) => a.pid)).size).toBe(3);
    expect(answers.every((a) => alive(a.pid))).toBe(true);
  }, 90_000);

  it('restarts a container whose process is killed, at the same address, and counts the restart', async () => {
    const victim = shopPods()[0]!;
    const oldPid = victim.containers[0]!.pid!;
    process.kill(oldPid, 'SIGKILL');

    let restarted: V1Pod | undefined;
    await waitFor(
      async () => {
        restarted = await core.readNamespacedPod({ name: victim.name, namespace: NAMESPACE });
        const status = restarted.status?.containerStatuses?.[0];
        return status?.restartCount === 1 && status.ready;
      },
      30_000,
      'the container to be restarted and ready',
      250,
    );
    const status = restarted!.status!.containerStatuses![0]!;
    expect(status.lastState?.terminated?.exitCode).toBe(137);
    const answer = await ask(victim.ip);
    expect(answer.pid).not.toBe(oldPid);
    expect(answer.podIP).toBe(victim.ip);
    remember(shopPods());
    await waitFor(
      async () => addresses(await endpoints()).length === 3,
      30_000,
      'three endpoints again',
      250,
    );
  }, 60_000);

  it('leaves a pod whose image it cannot run Pending with ErrImagePull, and runs nothing for it', async () => {
    await core.createNamespacedPod({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'elsewhere' },
        spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
      },
    });
    let pod: V1Pod | undefined;
    await waitFor(
      async () => {
        pod = await core.readNamespacedPod({ name: 'elsewhere', namespace: NAMESPACE });
        return pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull';
      },
      30_000,
      'ErrImagePull',
      250,
    );
    expect(pod!.status?.phase).toBe('Pending');
    expect(pod!.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain(
      'codedance.test/',
    );
    expect(kubelet.pods().find((p) => p.name === 'elsewhere')?.containers[0]?.pid).toBeUndefined();
    await core.deleteNamespacedPod({ name: 'elsewhere', namespace: NAMESPACE });
  }, 60_000);

  it('stops every process when the Deployment is deleted: garbage collection follows owner references', async () => {
    expect(seenPids.size).toBeGreaterThanOrEqual(4);
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: NAMESPACE });
    await waitFor(
      async () => (await core.listNamespacedPod({ namespace: NAMESPACE })).items.length === 0,
      60_000,
      'the pods to be deleted',
      250,
    );
    expect(shopPods()).toEqual([]);
    expect((await apps.listNamespacedReplicaSet({ namespace: NAMESPACE })).items).toEqual([]);
    expect([...seenPids].filter(alive)).toEqual([]);
    const namespaces = (await execFileAsync('ip', ['netns', 'list'])).stdout;
    expect([...seenNetns].filter((ns) => namespaces.includes(ns))).toEqual([]);
    await waitFor(
      async () => addresses(await endpoints()).length === 0,
      30_000,
      'no endpoints',
      250,
    );
  }, 90_000);

  it('validates custom resources against a structural schema: an invalid one gets 422', async () => {
    const extensions = cluster.kubeconfig.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: 'widgets.test.codedance.io' },
        spec: {
          group: 'test.codedance.io',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['image'],
                      properties: {
                        image: { type: 'string' },
                        replicas: { type: 'integer', minimum: 0 },
                      },
                    },
                    status: { type: 'object', properties: { phase: { type: 'string' } } },
                  },
                },
              },
            },
          ],
        },
      },
    });
    await waitFor(
      async () => {
        const crd = await extensions.readCustomResourceDefinition({
          name: 'widgets.test.codedance.io',
        });
        return (
          crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ??
          false
        );
      },
      30_000,
      'the CRD to be established',
      250,
    );
    const custom = cluster.kubeconfig.makeApiClient(CustomObjectsApi);
    const widget = (name: string, spec: object) =>
      custom.createNamespacedCustomObject({
        group: 'test.codedance.io',
        version: 'v1',
        namespace: NAMESPACE,
        plural: 'widgets',
        body: { apiVersion: 'test.codedance.io/v1', kind: 'Widget', metadata: { name }, spec },
      });
    expect(await statusOf(widget('good', { image: 'codedance.test/echo', replicas: 2 }))).toBe(200);
    const refusal = await widget('bad', { replicas: -1 }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApiException);
    expect((refusal as ApiException<unknown>).code).toBe(422);
    expect(String((refusal as ApiException<unknown>).body)).toMatch(
      /spec\.replicas.*greater than or equal to 0/,
    );
    expect(String((refusal as ApiException<unknown>).body)).toMatch(/spec\.image: Required value/);
  }, 60_000);

  it('refuses to update a Lease from a stale resourceVersion with 409', async () => {
    const coordination = cluster.kubeconfig.makeApiClient(CoordinationV1Api);
    const lease = (holderIdentity: string, resourceVersion?: string) => ({
      metadata: { name: 'controller', ...(resourceVersion ? { resourceVersion } : {}) },
      spec: { holderIdentity, leaseDurationSeconds: 15, renewTime: new V1MicroTime() },
    });
    const created = await coordination.createNamespacedLease({
      namespace: NAMESPACE,
      body: lease('a'),
    });
    const read = created.metadata?.resourceVersion;
    const renewed = await coordination.replaceNamespacedLease({
      name: 'controller',
      namespace: NAMESPACE,
      body: lease('a', read),
    });
    expect(renewed.metadata?.resourceVersion).not.toBe(read);
    // Another holder that read the Lease before the renewal may not take it over.
    const stale = coordination.replaceNamespacedLease({
      name: 'controller',
      namespace: NAMESPACE,
      body: lease('b', read),
    });
    expect(await statusOf(stale)).toBe(409);
    const kept = await coordination.readNamespacedLease({
      name: 'controller',
      namespace: NAMESPACE,
    });
    expect(kept.spec?.holderIdentity).toBe('a');
  });

  it('answers 401 to an unknown token and 403 to a user RBAC grants nothing', async () => {
    const clientWith = (token: string) => {
      const config = new KubeConfig();
      config.loadFromOptions({
        clusters: [{ name: 'c', server: cluster.server, caFile: cluster.caCertPath }],
        users: [{ name: 'u', token }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      return config.makeApiClient(CoreV1Api);
    };
    expect(
      await statusOf(clientWith('not-a-token').listNamespacedPod({ namespace: NAMESPACE })),
    ).toBe(401);
    expect(
      await statusOf(
        clientWith(cluster.developerToken).listNamespacedPod({ namespace: NAMESPACE }),
      ),
    ).toBe(403);
    expect(
      await statusOf(clientWith(cluster.adminToken).listNamespacedPod({ namespace: NAMESPACE })),
    ).toBe(200);
  });

  it("renews its Node's Lease, so the Node stays Ready without a status write", async () => {
    const coordination = cluster.kubeconfig.makeApiClient(CoordinationV1Api);
    const renewed = async () => {
      const lease = await coordination.readNamespacedLease({
        name: 'codedance-test-node',
        namespace: 'kube-node-lease',
      });
      return new Date(lease.spec?.renewTime ?? 0).getTime();
    };
    const first = await renewed();
    await waitFor(async () => (await renewed()) > first, 20_000, 'the Lease to be renewed', 500);
    const node = await core.readNode({ name: 'codedance-test-node' });
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.spec?.taints ?? []).toEqual([]);
  }, 30_000);

  it('is served by v1.20.2, and kubectl from the same build talks to it', async () => {
    const version = JSON.parse(await cluster.kubectl(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(version.clientVersion.gitVersion).toBe('v1.20.2');
    expect(version.serverVersion).toMatchObject({ gitVersion: 'v1.20.2', major: '1', minor: '20' });
    expect(await cluster.kubectl(['get', 'nodes', '-o', 'name'])).toContain(
      'node/codedance-test-node',
    );
  });

  it('stops cleanly: no process, network namespace, subnet or folder is left behind', async () => {
    const processes = readRun(cluster.id)?.processes ?? [];
    expect(processes.map((p) => p.name)).toEqual([
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
    ]);
    await kubelet.stop();
    await cluster.stop();
    expect(processes.filter((p) => alive(p.pid))).toEqual([]);
    const namespaces = (await execFileAsync('ip', ['netns', 'list'])).stdout;
    expect(namespaces).not.toContain(`cdk-${kubelet.id}-`);
    expect(existsSync(cluster.dir)).toBe(false);
    const records = readdirSync(`${stateDir()}/runs`);
    expect(records.filter((f) => f.startsWith(cluster.id) || f.startsWith(kubelet.id))).toEqual([]);
    const owners = readdirSync(`${stateDir()}/subnets`).map((f) =>
      readFileSync(`${stateDir()}/subnets/${f}`, 'utf8'),
    );
    expect(owners).not.toContain(kubelet.id);
  }, 60_000);
});
