// Where the Kubernetes programs built by e2e/kubernetes/build.sh and Debian's etcd are found.
import { accessSync, constants, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const KUBERNETES_VERSION = 'v1.20.2';

export interface KubernetesBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubectl: string;
  etcd: string;
}

/** The folder build.sh fills: `$CODEDANCE_K8S_CACHE/<version>/bin`. */
export function binDir(): string {
  const cache = process.env.CODEDANCE_K8S_CACHE ?? '/var/cache/codedance-k8s';
  return join(cache, KUBERNETES_VERSION, 'bin');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The binaries, or the reason they cannot be used (not built yet, etcd not installed), for a
 * suite to skip with a message that says what to run.
 */
export function findBinaries(): KubernetesBinaries | { missing: string } {
  const bin = binDir();
  const found: KubernetesBinaries = {
    kubeApiserver: join(bin, 'kube-apiserver'),
    kubeControllerManager: join(bin, 'kube-controller-manager'),
    kubectl: join(bin, 'kubectl'),
    etcd: '/usr/bin/etcd',
  };
  let stamp = '';
  try {
    stamp = readFileSync(join(bin, '.complete'), 'utf8').trim();
  } catch {
    // not built
  }
  const absent = [
    found.kubeApiserver,
    found.kubeControllerManager,
    found.kubectl,
    found.etcd,
  ].filter((path) => !executable(path));
  if (stamp !== KUBERNETES_VERSION || absent.length > 0) {
    return {
      missing: `Kubernetes ${KUBERNETES_VERSION} is not built in ${bin}${absent.length > 0 ? ` (missing ${absent.join(', ')})` : ''}: run e2e/kubernetes/build.sh`,
    };
  }
  return found;
}
