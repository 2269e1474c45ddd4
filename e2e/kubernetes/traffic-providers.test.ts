// The cluster traffic providers against a real API server: each writes real objects (an
// HTTPRoute, two Ingresses, a VirtualService, Deployment scales) as the controller's own
// ServiceAccount, and the tests read back what the API server stored.
import { fileURLToPath } from 'node:url';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
  type V1Ingress,
} from '@kubernetes/client-node';
import {
  CodedanceError,
  type AppRef,
  type TrafficRouter,
  type TrafficSplit,
} from '@codedance/core';
import {
  CONTROLLER_SERVICE_ACCOUNT,
  DASHBOARD_SERVICE_ACCOUNT,
  FIELD_MANAGER,
  GatewayApiTrafficRouter,
  INSTALL_NAMESPACE,
  IstioTrafficRouter,
  NginxTrafficRouter,
  ReplicasTrafficRouter,
  type HttpRoute,
  type VirtualService,
} from '@codedance/kubernetes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import {
  environmentProblem,
  startCluster,
  TestKubelet,
  type TestCluster,
} from './support/index.js';

const problem = environmentProblem();
if (problem) console.warn(`Traffic provider tests skipped: ${problem}`);

const NAMESPACE = 'shop';
const deployDir = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/crds/${name}`, import.meta.url));
const echoServer = fileURLToPath(new URL('./fixtures/echo-server.mjs', import.meta.url));

/** A split between web-v1 (stable) and web-v2 (canary) with the canary at `canary` percent. */
function split(canary: number, options: Partial<TrafficSplit> = {}): TrafficSplit {
  return {
    versions: [
      {
        version: 'v1',
        weight: 100 - canary,
        target: { kind: 'service', name: 'web-v1', port: 80 },
      },
      { version: 'v2', weight: canary, target: { kind: 'service', name: 'web-v2', port: 8080 } },
    ],
    stable: 'v1',
    canary: 'v2',
    headerRouting: false,
    sticky: false,
    ...options,
  };
}

/** The release is over: v2 is stable and takes everything. */
const promoted: TrafficSplit = {
  versions: [
    { version: 'v2', weight: 100, target: { kind: 'service', name: 'web-v2', port: 8080 } },
  ],
  stable: 'v2',
  canary: null,
  headerRouting: true,
  sticky: false,
};

/** The error a call fails with (a test of refusals fails when the call succeeds). */
async function failure(call: Promise<unknown>): Promise<CodedanceError> {
  const outcome = await call.then(
    () => null,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(CodedanceError);
  return outcome as CodedanceError;
}

describe.skipIf(problem !== null)('traffic providers on a real API server', () => {
  let cluster: TestCluster;
  let custom: CustomObjectsApi;
  let networking: NetworkingV1Api;
  /** Signed in as the controller's ServiceAccount, with the RBAC of deploy/kubernetes. */
  let asController: KubeConfig;
  let asDashboard: KubeConfig;
  const app: AppRef = { environment: NAMESPACE, app: 'web' };

  /** A kubeconfig that signs in with a ServiceAccount's token. */
  async function kubeconfigOf(account: string): Promise<KubeConfig> {
    const core = cluster.kubeconfig.makeApiClient(CoreV1Api);
    let token = '';
    await waitFor(
      async () => {
        const secrets = await core.listNamespacedSecret({ namespace: INSTALL_NAMESPACE });
        const secret = secrets.items.find(
          (s) =>
            s.type === 'kubernetes.io/service-account-token' &&
            s.metadata?.annotations?.['kubernetes.io/service-account.name'] === account,
        );
        token = Buffer.from(secret?.data?.token ?? '', 'base64').toString('utf8');
        return token !== '';
      },
      30_000,
      `the token of ${account}`,
      100,
    );
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromOptions({
      clusters: [{ name: 'test', server: cluster.server, caFile: cluster.caCertPath }],
      users: [{ name: account, token }],
      contexts: [{ name: 'test', cluster: 'test', user: account }],
      currentContext: 'test',
    });
    return kubeconfig;
  }

  async function installCrd(file: string, name: string): Promise<void> {
    await cluster.kubectl(['apply', '-f', fixture(file)]);
    const extensions = cluster.kubeconfig.makeApiClient(ApiextensionsV1Api);
    await waitFor(
      async () =>
        ((await extensions.readCustomResourceDefinition({ name })).status?.conditions ?? []).some(
          (c) => c.type === 'Established' && c.status === 'True',
        ),
      30_000,
      `${name} to be established`,
      100,
    );
  }

  beforeAll(async () => {
    cluster = await startCluster();
    custom = cluster.kubeconfig.makeApiClient(CustomObjectsApi);
    networking = cluster.kubeconfig.makeApiClient(NetworkingV1Api);
    await cluster.kubectl(['apply', '-f', deployDir]);
    await installCrd('gateway-api-httproute.yaml', 'httproutes.gateway.networking.k8s.io');
    await cluster.createNamespace(NAMESPACE);
    asController = await kubeconfigOf(CONTROLLER_SERVICE_ACCOUNT);
    asDashboard = await kubeconfigOf(DASHBOARD_SERVICE_ACCOUNT);
  }, 120_000);

  afterAll(async () => {
    await (cluster as TestCluster | undefined)?.stop();
  }, 60_000);

  describe('Gateway API', () => {
    const read = async () =>
      (await custom.getNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: NAMESPACE,
        plural: 'httproutes',
        name: 'web',
      })) as HttpRoute & { metadata: { generation: number } };
    let router: TrafficRouter;
    beforeAll(() => {
      router = new GatewayApiTrafficRouter(asController, {
        parentRefs: [{ name: 'public', namespace: 'gateways' }],
        hostnames: ['shop.example.com'],
      });
    });

    it('writes an HTTPRoute with the weights and x-canary rules, and reads the weights back', async () => {
      await router.apply(app, split(10, { headerRouting: true }));
      const stored = await read();
      expect(stored.metadata.labels).toMatchObject({
        'app.kubernetes.io/managed-by': 'codedance',
        'deploy.codedance.io/app': 'web',
      });
      expect(stored.metadata.managedFields?.map((f) => f.manager)).toContain(FIELD_MANAGER);
      expect(stored.spec).toMatchObject({
        parentRefs: [
          {
            name: 'public',
            namespace: 'gateways',
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
          },
        ],
        hostnames: ['shop.example.com'],
      });
      const path = { type: 'PathPrefix', value: '/' };
      expect(stored.spec.rules).toEqual([
        {
          matches: [{ path, headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }],
          backendRefs: [{ kind: 'Service', name: 'web-v2', port: 8080, weight: 1 }],
        },
        {
          matches: [{ path, headers: [{ type: 'Exact', name: 'x-canary', value: 'never' }] }],
          backendRefs: [{ kind: 'Service', name: 'web-v1', port: 80, weight: 1 }],
        },
        {
          matches: [{ path }],
          backendRefs: [
            { kind: 'Service', name: 'web-v1', port: 80, weight: 90 },
            { kind: 'Service', name: 'web-v2', port: 8080, weight: 10 },
          ],
        },
      ]);
      const current = await router.current(app);
      expect(current?.weights).toEqual({ v1: 90, v2: 10 });
      expect(current?.appliedAt).toBeGreaterThan(0);
    });

    it('changes only what differs: the same split twice leaves the generation alone', async () => {
      const before = (await read()).metadata.generation;
      await router.apply(app, split(10, { headerRouting: true }));
      expect((await read()).metadata.generation).toBe(before);
      await router.apply(app, split(50, { headerRouting: true }));
      const after = await read();
      expect(after.metadata.generation).toBe(before + 1);
      expect(after.spec.rules?.at(-1)?.backendRefs.map((b) => b.weight)).toEqual([50, 50]);
    });

    it('keeps clients on their version with cookie rules, and sets the cookie on the weighted answers', async () => {
      await router.apply(app, split(20, { sticky: true }));
      const rules = (await read()).spec.rules ?? [];
      expect(rules.map((r) => r.matches[0]?.headers)).toEqual([
        [{ type: 'RegularExpression', name: 'cookie', value: '^(.*;\\s*)?cd_version=v1(;.*)?$' }],
        [{ type: 'RegularExpression', name: 'cookie', value: '^(.*;\\s*)?cd_version=v2(;.*)?$' }],
        undefined,
      ]);
      expect(rules[2]?.backendRefs.map((b) => b.filters)).toEqual([
        [
          {
            type: 'ResponseHeaderModifier',
            responseHeaderModifier: {
              add: [{ name: 'Set-Cookie', value: 'cd_version=v1; Path=/; HttpOnly; SameSite=Lax' }],
            },
          },
        ],
        [
          {
            type: 'ResponseHeaderModifier',
            responseHeaderModifier: {
              add: [{ name: 'Set-Cookie', value: 'cd_version=v2; Path=/; HttpOnly; SameSite=Lax' }],
            },
          },
        ],
      ]);
    });

    it('reports what the route holds, even when someone else changed the weights', async () => {
      await router.apply(app, split(20));
      await cluster.kubectl([
        'patch',
        'httproute',
        'web',
        '-n',
        NAMESPACE,
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 1 },
          { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: 3 },
        ]),
      ]);
      expect((await router.current(app))?.weights).toEqual({ v1: 25, v2: 75 });
      // Applying again takes the fields back.
      await router.apply(app, split(20));
      expect((await router.current(app))?.weights).toEqual({ v1: 80, v2: 20 });
    });

    it('drops the header rules when the release ends, and removes the route', async () => {
      await router.apply(app, promoted);
      expect((await read()).spec.rules).toEqual([
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ kind: 'Service', name: 'web-v2', port: 8080, weight: 100 }],
        },
      ]);
      await router.remove(app);
      await router.remove(app);
      expect(await router.current(app)).toBeNull();
    });

    it('refuses versions without a Service, and says so when RBAC forbids the write', async () => {
      const addresses = await failure(
        router.apply(app, {
          ...split(10),
          versions: [
            {
              version: 'v1',
              weight: 100,
              target: { kind: 'endpoints', endpoints: [{ host: '127.0.0.1', port: 1 }] },
            },
          ],
        }),
      );
      expect(addresses.code).toBe('CD_TRAFFIC_UNSUPPORTED');
      expect(addresses.message).toMatch(/version v1 needs a Service of its own/);

      const dashboard = new GatewayApiTrafficRouter(asDashboard, {
        parentRefs: [{ name: 'public' }],
      });
      const forbidden = await failure(dashboard.apply(app, split(10)));
      expect(forbidden.code).toBe('CD_BAD_GATEWAY');
      expect(forbidden.message).toMatch(
        /^The Kubernetes API could not apply HTTPRoute shop\/web \(403\): .*codedance-dashboard.* cannot patch resource "httproutes"/,
      );
    });
  });

  describe('NGINX ingress', () => {
    const read = (name: string) =>
      networking.readNamespacedIngress({ name, namespace: NAMESPACE }).catch(() => null);
    let router: NginxTrafficRouter;
    beforeAll(() => {
      router = new NginxTrafficRouter(asController, {
        host: 'shop.example.com',
        ingressClassName: 'nginx',
        tlsSecretName: 'shop-tls',
      });
    });

    const backend = (ingress: V1Ingress | null) =>
      ingress?.spec?.rules?.[0]?.http?.paths[0]?.backend.service;

    it('sends the app to stable and the canary Ingress its weight, by header too', async () => {
      await router.apply(app, split(20, { headerRouting: true }));
      const main = await read('web');
      const canary = await read('web-canary');
      expect(main?.spec?.ingressClassName).toBe('nginx');
      expect(main?.spec?.tls).toEqual([{ hosts: ['shop.example.com'], secretName: 'shop-tls' }]);
      expect(main?.spec?.rules?.[0]?.host).toBe('shop.example.com');
      expect(backend(main)).toEqual({ name: 'web-v1', port: { number: 80 } });
      expect(backend(canary)).toEqual({ name: 'web-v2', port: { number: 8080 } });
      expect(canary?.metadata?.annotations).toMatchObject({
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '20',
        'nginx.ingress.kubernetes.io/canary-by-header': 'x-canary',
      });
      expect(main?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary']).toBeUndefined();
      expect((await router.current(app))?.weights).toEqual({ v1: 80, v2: 20 });
    });

    it('keeps clients on their side with cookie affinity, and drops header routing when asked', async () => {
      await router.apply(app, split(40, { sticky: true }));
      const main = await read('web');
      const canary = await read('web-canary');
      expect(main?.metadata?.annotations).toMatchObject({
        'nginx.ingress.kubernetes.io/affinity': 'cookie',
        'nginx.ingress.kubernetes.io/session-cookie-name': 'cd_affinity',
      });
      expect(canary?.metadata?.annotations).toMatchObject({
        'nginx.ingress.kubernetes.io/canary-weight': '40',
        'nginx.ingress.kubernetes.io/affinity-canary-behavior': 'sticky',
      });
      // Server-side apply removed the annotation Codedance no longer sets.
      expect(
        canary?.metadata?.annotations?.['nginx.ingress.kubernetes.io/canary-by-header'],
      ).toBeUndefined();
    });

    it('refuses a third version, and deletes the canary Ingress when the release ends', async () => {
      const three = await failure(
        router.apply(app, {
          ...split(20),
          versions: [
            { version: 'v1', weight: 70, target: { kind: 'service', name: 'web-v1', port: 80 } },
            { version: 'v2', weight: 20, target: { kind: 'service', name: 'web-v2', port: 8080 } },
            { version: 'v3', weight: 10, target: { kind: 'service', name: 'web-v3', port: 80 } },
          ],
        }),
      );
      expect(three.code).toBe('CD_TRAFFIC_UNSUPPORTED');
      expect(three.message).toMatch(/cannot split traffic between 3 versions/);

      await router.apply(app, promoted);
      expect(await read('web-canary')).toBeNull();
      expect(backend(await read('web'))).toEqual({ name: 'web-v2', port: { number: 8080 } });
      expect((await router.current(app))?.weights).toEqual({ v2: 100 });
      await router.remove(app);
      expect(await read('web')).toBeNull();
    });
  });

  describe('Istio', () => {
    const read = async () =>
      (await custom.getNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1beta1',
        namespace: NAMESPACE,
        plural: 'virtualservices',
        name: 'web',
      })) as VirtualService;

    it('says the cluster does not serve VirtualService before Istio is installed', async () => {
      const router = new IstioTrafficRouter(asController, { hosts: ['web'] });
      const error = await failure(router.apply(app, split(10)));
      expect(error.code).toBe('CD_TRAFFIC_UNSUPPORTED');
      expect(error.message).toBe(
        'The cluster does not serve VirtualService (networking.istio.io/v1beta1): install its CustomResourceDefinition first.',
      );
    });

    it('writes a VirtualService with header, cookie and weighted routes, in that order', async () => {
      await installCrd('istio-virtualservice.yaml', 'virtualservices.networking.istio.io');
      const router = new IstioTrafficRouter(asController, {
        hosts: ['shop.example.com'],
        gateways: ['istio-system/public'],
      });
      await router.apply(app, split(30, { headerRouting: true, sticky: true }));
      const stored = await read();
      expect(stored.spec.hosts).toEqual(['shop.example.com']);
      expect(stored.spec.gateways).toEqual(['istio-system/public']);
      const v1 = { destination: { host: 'web-v1', port: { number: 80 } } };
      const v2 = { destination: { host: 'web-v2', port: { number: 8080 } } };
      expect(stored.spec.http).toEqual([
        {
          name: 'canary-always',
          match: [{ headers: { 'x-canary': { exact: 'always' } } }],
          route: [v2],
        },
        {
          name: 'canary-never',
          match: [{ headers: { 'x-canary': { exact: 'never' } } }],
          route: [v1],
        },
        {
          name: 'sticky-v1',
          match: [{ headers: { cookie: { regex: '^(.*;\\s*)?cd_version=v1(;.*)?$' } } }],
          route: [v1],
        },
        {
          name: 'sticky-v2',
          match: [{ headers: { cookie: { regex: '^(.*;\\s*)?cd_version=v2(;.*)?$' } } }],
          route: [v2],
        },
        {
          name: 'weighted',
          route: [
            {
              ...v1,
              weight: 70,
              headers: {
                response: {
                  add: { 'set-cookie': 'cd_version=v1; Path=/; HttpOnly; SameSite=Lax' },
                },
              },
            },
            {
              ...v2,
              weight: 30,
              headers: {
                response: {
                  add: { 'set-cookie': 'cd_version=v2; Path=/; HttpOnly; SameSite=Lax' },
                },
              },
            },
          ],
        },
      ]);
      expect((await router.current(app))?.weights).toEqual({ v1: 70, v2: 30 });
      await router.apply(app, promoted);
      expect((await read()).spec.http).toEqual([
        { name: 'weighted', route: [{ ...v2, weight: 100 }] },
      ]);
      await router.remove(app);
      expect(await router.current(app)).toBeNull();
    });
  });

  describe('replica ratio', () => {
    let kubelet: TestKubelet;
    let apps: AppsV1Api;
    let core: CoreV1Api;

    async function deployment(version: string, replicas: number): Promise<void> {
      const labels = {
        app: 'web',
        'deploy.codedance.io/app': 'web',
        'deploy.codedance.io/version': version,
      };
      await apps.createNamespacedDeployment({
        namespace: NAMESPACE,
        body: {
          metadata: { name: `web-${version}`, labels },
          spec: {
            replicas,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: {
                containers: [
                  {
                    name: 'web',
                    image: 'codedance.test/echo:1.0',
                    ports: [{ name: 'http', containerPort: 8080 }],
                  },
                ],
              },
            },
          },
        },
      });
    }

    /** The versions of the pods the app's Service sends to, as its Endpoints list them. */
    async function endpointVersions(): Promise<string[]> {
      const endpoints = await core
        .readNamespacedEndpoints({ name: 'web', namespace: NAMESPACE })
        .catch(() => null);
      const pods = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=web' });
      const versionOf = new Map(
        pods.items.map((p) => [
          p.metadata?.name,
          p.metadata?.labels?.['deploy.codedance.io/version'],
        ]),
      );
      return (endpoints?.subsets ?? [])
        .flatMap((s) => s.addresses ?? [])
        .map((a) => versionOf.get(a.targetRef?.name) ?? '?')
        .sort();
    }

    beforeAll(async () => {
      kubelet = await TestKubelet.start({
        kubeconfig: cluster.kubeconfig,
        images: { echo: { command: [process.execPath, echoServer] } },
        logDir: `${cluster.dir}/pods`,
      });
      apps = cluster.kubeconfig.makeApiClient(AppsV1Api);
      core = cluster.kubeconfig.makeApiClient(CoreV1Api);
      await deployment('v1', 4);
      await deployment('v2', 0);
      await core.createNamespacedService({
        namespace: NAMESPACE,
        body: {
          metadata: { name: 'web' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
        },
      });
    }, 60_000);

    afterAll(async () => {
      await (kubelet as TestKubelet | undefined)?.stop();
    }, 60_000);

    it('scales the versions to the split and reports the share of ready pods behind the Service', async () => {
      const router = new ReplicasTrafficRouter(asController);
      await waitFor(
        async () => (await router.current(app))?.weights.v1 === 100,
        60_000,
        'v1 ready',
        250,
      );
      await router.apply(app, split(25));
      const scaled = await apps.listNamespacedDeployment({ namespace: NAMESPACE });
      expect(
        Object.fromEntries(scaled.items.map((d) => [d.metadata?.name, d.spec?.replicas])),
      ).toEqual({
        'web-v1': 3,
        'web-v2': 1,
      });
      await waitFor(
        async () => (await router.current(app))?.weights.v2 === 25,
        90_000,
        'the canary pod to be ready',
        250,
      );
      expect((await router.current(app))?.weights).toEqual({ v1: 75, v2: 25 });
      await waitFor(
        async () => (await endpointVersions()).join(',') === 'v1,v1,v1,v2',
        60_000,
        'the Service to send to three v1 pods and one v2 pod',
        250,
      );
    }, 180_000);

    it('refuses header routing, stickiness and a version without a Deployment', async () => {
      const router = new ReplicasTrafficRouter(asController);
      const header = await failure(router.apply(app, split(25, { headerRouting: true })));
      expect(header.code).toBe('CD_TRAFFIC_UNSUPPORTED');
      expect(header.message).toMatch(
        /^The replicas traffic provider cannot pin a request by its x-canary header/,
      );
      const sticky = await failure(router.apply(app, split(25, { sticky: true })));
      expect(sticky.code).toBe('CD_TRAFFIC_UNSUPPORTED');
      expect(sticky.message).toMatch(/cannot keep a client on one version/);
      const missing = await failure(
        router.apply(app, {
          ...split(25),
          versions: [
            ...split(25).versions,
            { version: 'v3', weight: 5, target: { kind: 'service', name: 'x', port: 80 } },
          ],
        }),
      );
      expect(missing.code).toBe('CD_NOT_FOUND');
      expect(missing.message).toMatch(/version v3/);
      // Nothing was scaled by the refused splits.
      const scaled = await apps.listNamespacedDeployment({ namespace: NAMESPACE });
      expect(scaled.items.map((d) => d.spec?.replicas).sort()).toEqual([1, 3]);
    });
  });
});
