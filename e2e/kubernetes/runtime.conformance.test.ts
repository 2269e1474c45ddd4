// The workload runtime conformance suite, unchanged, against KubernetesRuntime on a real API
// server: Deployments, ReplicaSets and pods from kube-controller-manager, pods run by the test
// kubelet as processes with their own addresses.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { KubernetesRuntime } from '@codedance/kubernetes';
import { describeWorkloadRuntimeConformance } from '../../packages/server/src/workload-runtime/test-support/conformance.js';
import { environmentProblem, startCluster, TestKubelet } from './support/index.js';

const problem = environmentProblem();
if (problem) console.warn(`Kubernetes runtime conformance skipped: ${problem}`);

const server = fileURLToPath(
  new URL(
    '../../packages/server/src/workload-runtime/test-support/fixtures/http-server.mjs',
    import.meta.url,
  ),
);

// Every case of the suite applies here; none is skipped. Two behave as a cluster does rather
// than as a host does, and the suite allows both: an `assigned` port is the same port (8080) on
// every pod, each pod having an address of its own; and a crashing container is
// `crash-looping` from its first back-off, since that is all a kubelet reports
// (CrashLoopBackOff), where the local supervisor says `restarting` first.
if (problem === null) {
  describeWorkloadRuntimeConformance(
    'kubernetes',
    async () => {
      const cluster = await startCluster();
      const kubelet = await TestKubelet.start({
        kubeconfig: cluster.kubeconfig,
        images: { 'http-server': { command: [process.execPath, server] } },
        // The suite's crash tests wait for a restart: the kubelet's first back-off is 1 s.
        backoff: { initialMs: 500, maxMs: 5_000 },
      });
      const id = randomBytes(3).toString('hex');
      const environments = [`ka${id}`, `kb${id}`] as const;
      for (const namespace of environments) await cluster.createNamespace(namespace);
      const runtime = new KubernetesRuntime({ kubeconfig: cluster.kubeconfig, stopWaitMs: 30_000 });
      return {
        runtime,
        server: { image: 'codedance.test/http-server', env: { HOST: '0.0.0.0' } },
        unstartable: { image: 'registry.invalid/codedance/missing:1' },
        environments,
        cleanup: async () => {
          await runtime.close();
          await kubelet.stop();
          await cluster.stop();
        },
      };
    },
    { waitMs: 40_000, setupMs: 180_000 },
  );
}
