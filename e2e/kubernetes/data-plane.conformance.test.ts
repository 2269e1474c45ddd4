// The traffic router and metrics source conformance suites, unchanged, on the built-in router
// as a cluster's data plane (RouterPlane): router pods run by the test kubelet, told their
// table over their control API, real requests through them to the app's pods.
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { ROUTER_BIN } from '@codedance/router';
import { RouterPlane } from '@codedance/kubernetes';
import { describeMetricsSourceConformance } from '../../packages/core/src/metrics/test-support/conformance.js';
import { describeTrafficRouterConformance } from '../../packages/core/src/traffic/test-support/conformance.js';
import { waitFor } from '../support/wait.js';
import {
  environmentProblem,
  startCluster,
  TestKubelet,
  type TestCluster,
} from './support/index.js';

const problem = environmentProblem();
if (problem) console.warn(`Cluster data plane conformance skipped: ${problem}`);

const app = fileURLToPath(new URL('./fixtures/versioned-app.mjs', import.meta.url));
const NAMESPACE = 'plane';

interface Shared {
  cluster: TestCluster;
  kubelet: TestKubelet;
  plane: RouterPlane;
  /** `ip:8080` of a ready pod of the app. */
  backend: string;
}

let users = 0;
let shared: Promise<Shared> | null = null;

/** One cluster for both suites, stopped when the last one is done. */
function open(): Promise<Shared> {
  users += 1;
  shared ??= (async () => {
    const cluster = await startCluster();
    const kubelet = await TestKubelet.start({
      kubeconfig: cluster.kubeconfig,
      images: {
        app: { command: [process.execPath, app] },
        router: { command: [process.execPath, ROUTER_BIN] },
      },
    });
    await cluster.createNamespace(NAMESPACE);
    const apps = cluster.kubeconfig.makeApiClient(AppsV1Api);
    const labels = { app: 'backend' };
    await apps.createNamespacedDeployment({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'backend', namespace: NAMESPACE },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                { name: 'app', image: 'codedance.test/app', ports: [{ containerPort: 8080 }] },
              ],
            },
          },
        },
      },
    });
    const core = cluster.kubeconfig.makeApiClient(CoreV1Api);
    let backend = '';
    await waitFor(
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: NAMESPACE,
          labelSelector: 'app=backend',
        });
        const ip = pods.items.find((p) =>
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        )?.status?.podIP;
        backend = ip === undefined ? '' : ip;
        return backend !== '';
      },
      60_000,
      'the backend pod',
      200,
    );
    const plane = new RouterPlane({
      kubeconfig: cluster.kubeconfig,
      image: 'codedance.test/router',
    });
    return { cluster, kubelet, plane, backend };
  })();
  return shared;
}

async function close(): Promise<void> {
  users -= 1;
  if (users > 0 || shared === null) return;
  const { kubelet, cluster } = await shared;
  shared = null;
  await kubelet.stop();
  await cluster.stop();
}

let apps = 0;

if (problem === null) {
  describeTrafficRouterConformance(
    'built-in router on a cluster',
    async () => {
      const s = await open();
      return {
        router: s.plane,
        app: () => Promise.resolve({ environment: NAMESPACE, app: `web${(apps += 1)}` }),
        target: () => ({ kind: 'endpoints', endpoints: [{ host: s.backend, port: 8080 }] }),
        headerRouting: true,
        cleanup: close,
      };
    },
    { setupMs: 180_000 },
  );

  describeMetricsSourceConformance(
    'built-in router on a cluster',
    async () => {
      const s = await open();
      const entry = { environment: NAMESPACE, app: 'measured' };
      await s.plane.open(entry);
      const endpoints = [{ host: s.backend, port: 8080 }];
      await s.plane.apply(entry, {
        versions: [
          { version: 'v1', weight: 100, target: { kind: 'endpoints', endpoints } },
          { version: 'v2', weight: 0, target: { kind: 'endpoints', endpoints } },
        ],
        stable: 'v1',
        canary: 'v2',
        headerRouting: true,
        sticky: false,
      });
      const [router] = await s.plane.pods(entry);
      const url = `http://${router?.status?.podIP ?? ''}:8080`;
      return {
        source: s.plane,
        app: entry,
        drive: async (version, requests, errors) => {
          const pin = { 'x-canary': version === 'v2' ? 'always' : 'never' };
          for (let i = 0; i < requests; i += 1) {
            const answer = await fetch(`${url}${i < errors ? '/fail' : '/'}`, { headers: pin });
            await answer.arrayBuffer();
          }
        },
        cleanup: close,
      };
    },
    { setupMs: 180_000 },
  );
}
