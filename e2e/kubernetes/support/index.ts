// A real Kubernetes control plane and a test kubelet, for end-to-end tests (docs/kubernetes-testing.md).
import { accessSync, constants } from 'node:fs';
import { findBinaries } from './binaries.js';

export { findBinaries, KUBERNETES_VERSION, type KubernetesBinaries } from './binaries.js';
export { reapStaleRuns } from './cleanup.js';
export {
  SERVICE_CLUSTER_IP_RANGE,
  startCluster,
  type StartClusterOptions,
  type TestCluster,
} from './cluster.js';
export { IMAGE_PREFIX, type ImageRegistry, type LocalImage } from './images.js';
export { TestKubelet, type RunningPod, type TestKubeletOptions } from './kubelet.js';
export { POD_RANGE } from './network.js';

function onPath(program: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
    .concat(['/usr/sbin', '/sbin'])
    .some((dir) => {
      try {
        accessSync(`${dir}/${program}`, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/**
 * Why a cluster with a test kubelet cannot run here, or null when it can: it needs root (network
 * namespaces), the binaries built by e2e/kubernetes/build.sh, and ip, setpriv and openssl.
 */
export function environmentProblem(): string | null {
  if (process.getuid?.() !== 0) return 'the test kubelet needs root to create network namespaces';
  const binaries = findBinaries();
  if ('missing' in binaries) return binaries.missing;
  const absent = ['ip', 'setpriv', 'openssl'].filter((p) => !onPath(p));
  if (absent.length > 0) return `${absent.join(', ')} not found on PATH`;
  return null;
}
