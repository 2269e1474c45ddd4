// The Nodes a test kubelet registers, and the Lease heartbeats that keep them Ready.
import { randomUUID } from 'node:crypto';
import { release } from 'node:os';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type V1Node,
} from '@kubernetes/client-node';
import { KUBERNETES_VERSION } from './binaries.js';
import { apiTime } from './container.js';
import type { Subnet } from './network.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeCapacity {
  cpu: string;
  memory: string;
  pods: string;
}

export interface RegisteredNode {
  name: string;
  uid: string;
  labels: Record<string, string>;
  subnet: Subnet;
}

export function isStatus(error: unknown, ...codes: number[]): boolean {
  return error instanceof ApiException && codes.includes(error.code);
}

function nodeObject(name: string, subnet: Subnet, capacity: NodeCapacity): V1Node {
  const now = apiTime();
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  // The API client's types want Dates where the wire has strings; the object goes out as JSON.
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'codedance.test/kubelet': 'true',
      },
    },
    spec: { podCIDR: subnet.cidr, podCIDRs: [subnet.cidr] },
    status: {
      capacity: { ...capacity },
      allocatable: { ...capacity },
      addresses: [
        { type: 'InternalIP', address: subnet.gateway },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'enough memory'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'enough disk'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'enough process ids'),
        condition('Ready', 'True', 'KubeletReady', 'the test kubelet is posting ready status'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: randomUUID().replaceAll('-', ''),
        systemUUID: randomUUID(),
        bootID: randomUUID(),
        kernelVersion: release(),
        osImage: 'Codedance test kubelet',
        containerRuntimeVersion: 'process://1',
        kubeletVersion: KUBERNETES_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  } as unknown as V1Node;
}

/**
 * Creates the Node with status Ready (a Node may carry its status on creation) and its Lease. A
 * Node of that name left by an earlier kubelet is replaced: its pod CIDR cannot change.
 */
export async function registerNode(
  core: CoreV1Api,
  coordination: CoordinationV1Api,
  name: string,
  subnet: Subnet,
  capacity: NodeCapacity,
): Promise<RegisteredNode> {
  const body = nodeObject(name, subnet, capacity);
  let created: V1Node;
  try {
    created = await core.createNode({ body });
  } catch (error) {
    if (!isStatus(error, 409)) throw error;
    await core.deleteNode({ name });
    created = await core.createNode({ body });
  }
  const uid = created.metadata?.uid ?? '';
  await coordination
    .deleteNamespacedLease({ name, namespace: NODE_LEASE_NAMESPACE })
    .catch((error: unknown) => {
      if (!isStatus(error, 404)) throw error;
    });
  await coordination.createNamespacedLease({
    namespace: NODE_LEASE_NAMESPACE,
    body: {
      metadata: {
        name,
        namespace: NODE_LEASE_NAMESPACE,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }],
      },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new V1MicroTime() },
    },
  });
  return { name, uid, labels: created.metadata?.labels ?? {}, subnet };
}

/**
 * Renews the Node's Lease, as a kubelet does every 10 s: without it kube-controller-manager marks
 * the Node NotReady after 40 s, taints it and turns its pods' Ready condition to False.
 */
export async function renewLease(coordination: CoordinationV1Api, name: string): Promise<void> {
  await coordination.patchNamespacedLease(
    {
      name,
      namespace: NODE_LEASE_NAMESPACE,
      body: { spec: { renewTime: new V1MicroTime().toISOString() } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}
