// A kubelet for tests: registers Nodes, binds unscheduled pods to them (there is no scheduler),
// runs each pod's containers as local processes in a network namespace of its own with a real
// address, reports their status, and finishes their deletion.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoordinationV1Api,
  CoreV1Api,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { reapStaleRuns, stopRun } from './cleanup.js';
import type { RestartBackoff } from './container.js';
import type { ImageRegistry } from './images.js';
import { claimSubnet, createSandbox, removeSandbox, type Sandbox } from './network.js';
import {
  isStatus,
  registerNode,
  renewLease,
  type NodeCapacity,
  type RegisteredNode,
} from './nodes.js';
import { PodRuntime } from './pod.js';
import { createRun, type RunRecord } from './runs.js';

export interface TestKubeletOptions {
  kubeconfig: KubeConfig;
  /** What `codedance.test/<name>` images run (see images.ts). */
  images: ImageRegistry;
  /** Node names; one node, `codedance-test-node`, by default. Each gets a /24 of its own. */
  nodes?: readonly string[];
  /** Containers' stdout and stderr go to `<logDir>/<namespace>_<pod>_<uid>/<container>.log`. */
  logDir?: string;
  /** Delay before a crashed container is restarted: 1 s, doubling up to 30 s by default. */
  backoff?: RestartBackoff;
  leaseRenewMs?: number;
  capacity?: NodeCapacity;
  /** How long pods get after SIGTERM when the kubelet itself stops. */
  stopGraceMs?: number;
  log?: (line: string) => void;
}

export interface RunningPod {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  ip: string;
  netns: string;
  phase: string;
  containers: { name: string; pid: number | undefined; restartCount: number; ready: boolean }[];
}

interface PodEntry {
  pod: V1Pod;
  node: RegisteredNode;
  queue: Promise<void>;
  sandbox?: Sandbox;
  runtime?: PodRuntime;
  statusQueued: boolean;
  lastStatus?: string;
  done: boolean;
}

const mergeStrategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export class TestKubelet {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly entries = new Map<string, PodEntry>();
  /** Bindings on their way to the API server: pod uid to node name. */
  private readonly binding = new Map<string, string>();
  private readonly usedAddresses = new Set<string>();
  private readonly log: (line: string) => void;
  private nodes: RegisteredNode[] = [];
  private sandboxIndex = 0;
  private leaseTimer: NodeJS.Timeout | undefined;
  private informer: ReturnType<typeof makeInformer<V1Pod>> | undefined;
  private stopped = false;
  private ownsLogDir = false;
  private logDir = '';

  private constructor(
    private readonly options: TestKubeletOptions,
    private readonly run: RunRecord,
  ) {
    this.core = options.kubeconfig.makeApiClient(CoreV1Api);
    this.coordination = options.kubeconfig.makeApiClient(CoordinationV1Api);
    this.log = options.log ?? (() => undefined);
  }

  /** Registers the Nodes and starts watching pods; resolves once the first pod list is handled. */
  static async start(options: TestKubeletOptions): Promise<TestKubelet> {
    await reapStaleRuns();
    const kubelet = new TestKubelet(options, createRun('pod-network', { owned: true }));
    try {
      await kubelet.init();
      return kubelet;
    } catch (error) {
      await kubelet.stop();
      throw error;
    }
  }

  /** The run id: pods' network namespaces are named `cdk-<id>-<n>`. */
  get id(): string {
    return this.run.id;
  }

  /** The Nodes this kubelet registered, with the subnet each one's pods get addresses from. */
  get registeredNodes(): readonly RegisteredNode[] {
    return this.nodes;
  }

  /** What runs here now, for tests that look at the processes themselves. */
  pods(): RunningPod[] {
    return [...this.entries.values()]
      .filter((e) => e.runtime && e.sandbox && !e.done)
      .map((e) => ({
        namespace: e.pod.metadata?.namespace ?? '',
        name: e.pod.metadata?.name ?? '',
        uid: e.pod.metadata?.uid ?? '',
        node: e.node.name,
        ip: e.sandbox!.ip,
        netns: e.sandbox!.netns,
        phase: e.runtime!.phase,
        containers: e.runtime!.containers.map((c) => ({
          name: c.name,
          pid: c.pid,
          restartCount: c.restartCount,
          ready: c.ready,
        })),
      }));
  }

  /** Stops every pod (SIGTERM, then SIGKILL), removes their namespaces and frees the subnets. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.leaseTimer);
    await this.informer?.stop();
    const grace = this.options.stopGraceMs ?? 2_000;
    for (const entry of this.entries.values()) {
      this.enqueue(entry, () => this.terminate(entry, grace));
    }
    await Promise.all([...this.entries.values()].map((e) => e.queue));
    await stopRun(this.run, 0);
    if (this.ownsLogDir) await rm(this.logDir, { recursive: true, force: true });
  }

  private async init(): Promise<void> {
    if (this.options.logDir) {
      this.logDir = this.options.logDir;
    } else {
      this.logDir = await mkdtemp(join(tmpdir(), 'codedance-kubelet-'));
      this.ownsLogDir = true;
    }
    const capacity = this.options.capacity ?? { cpu: '2', memory: '8Gi', pods: '110' };
    for (const name of this.options.nodes ?? ['codedance-test-node']) {
      const subnet = await claimSubnet(this.run);
      this.nodes.push(await registerNode(this.core, this.coordination, name, subnet, capacity));
      this.log(`node ${name}: pods get addresses in ${subnet.cidr}`);
    }
    this.leaseTimer = setInterval(() => {
      for (const node of this.nodes) {
        renewLease(this.coordination, node.name).catch((error: unknown) => {
          this.log(`lease of ${node.name} not renewed: ${String(error)}`);
        });
      }
    }, this.options.leaseRenewMs ?? 10_000);
    const informer = makeInformer<V1Pod>(this.options.kubeconfig, '/api/v1/pods', () =>
      this.core.listPodForAllNamespaces(),
    );
    informer.on('add', (pod) => {
      this.observe(pod);
    });
    informer.on('update', (pod) => {
      this.observe(pod);
    });
    informer.on('delete', (pod) => {
      this.forget(pod);
    });
    informer.on('error', (error: unknown) => {
      if (this.stopped) return;
      this.log(`pod watch failed (${String(error)}); watching again in 1 s`);
      setTimeout(() => {
        if (!this.stopped) informer.start().catch(() => undefined);
      }, 1_000);
    });
    this.informer = informer;
    await informer.start();
  }

  private enqueue(entry: PodEntry, task: () => Promise<void>): void {
    entry.queue = entry.queue.then(task).catch((error: unknown) => {
      this.log(
        `pod ${entry.pod.metadata?.namespace ?? ''}/${entry.pod.metadata?.name ?? ''}: ${String(error)}`,
      );
    });
  }

  private observe(pod: V1Pod): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid ?? '';
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      this.bind(pod);
      return;
    }
    const node = this.nodes.find((n) => n.name === nodeName);
    if (!node) return;
    let entry = this.entries.get(uid);
    if (!entry) {
      entry = { pod, node, queue: Promise.resolve(), statusQueued: false, done: false };
      this.entries.set(uid, entry);
    }
    entry.pod = pod;
    const current = entry;
    this.enqueue(current, () => this.sync(current));
  }

  /** Plays the scheduler: the node with the fewest pods among those the pod's nodeSelector allows. */
  private bind(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const scheduler = pod.spec?.schedulerName ?? 'default-scheduler';
    if (pod.metadata?.deletionTimestamp || scheduler !== 'default-scheduler') return;
    if (this.binding.has(uid)) return;
    const selector = pod.spec?.nodeSelector ?? {};
    const candidates = this.nodes.filter((n) =>
      Object.entries(selector).every(([k, v]) => n.labels[k] === v),
    );
    const load = (n: RegisteredNode) =>
      [...this.entries.values()].filter((e) => e.node === n && !e.done).length +
      [...this.binding.values()].filter((bound) => bound === n.name).length;
    const node = candidates.sort((a, b) => load(a) - load(b))[0];
    if (!node) return;
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    this.binding.set(uid, node.name);
    this.core
      .createNamespacedPodBinding({
        name,
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: node.name },
        },
      })
      .catch((error: unknown) => {
        // 409: bound meanwhile; 404: deleted meanwhile. Anything else is worth a line.
        if (!isStatus(error, 404, 409)) this.log(`binding ${namespace}/${name}: ${String(error)}`);
      })
      .finally(() => this.binding.delete(uid));
  }

  private forget(pod: V1Pod): void {
    const entry = this.entries.get(pod.metadata?.uid ?? '');
    if (!entry) return;
    this.enqueue(entry, async () => {
      await this.terminate(entry, 2_000);
      this.entries.delete(pod.metadata?.uid ?? '');
    });
  }

  private async sync(entry: PodEntry): Promise<void> {
    if (entry.done || this.stopped) return;
    const { pod } = entry;
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    if (pod.metadata?.deletionTimestamp) {
      const graceSeconds =
        pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.terminate(entry, graceSeconds * 1000);
      // What the kubelet does once the containers are gone: finish the graceful deletion.
      await this.core
        .deleteNamespacedPod({
          name,
          namespace,
          gracePeriodSeconds: 0,
          body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid ?? '' } },
        })
        .catch((error: unknown) => {
          if (!isStatus(error, 404, 409)) throw error;
        });
      return;
    }
    if (entry.runtime) return;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const address = this.allocateAddress(entry.node);
    this.sandboxIndex += 1;
    try {
      entry.sandbox = await createSandbox(
        this.run.id,
        this.sandboxIndex,
        entry.node.subnet,
        address,
      );
    } catch (error) {
      this.usedAddresses.delete(address);
      await this.core.patchNamespacedPodStatus(
        { name, namespace, body: { status: { reason: 'SandboxFailed', message: String(error) } } },
        mergeStrategic,
      );
      throw error;
    }
    entry.runtime = new PodRuntime(pod, entry.sandbox, {
      registry: this.options.images,
      logDir: join(this.logDir, `${namespace}_${name}_${pod.metadata?.uid ?? ''}`),
      backoff: this.options.backoff ?? { initialMs: 1_000, maxMs: 30_000 },
      onChange: () => {
        this.statusChanged(entry);
      },
    });
    this.log(`pod ${namespace}/${name} on ${entry.node.name} at ${address}`);
    entry.runtime.start();
    this.statusChanged(entry);
  }

  private statusChanged(entry: PodEntry): void {
    if (entry.statusQueued || entry.done || this.stopped) return;
    entry.statusQueued = true;
    this.enqueue(entry, async () => {
      entry.statusQueued = false;
      if (!entry.runtime || entry.done) return;
      const status = entry.runtime.status();
      const json = JSON.stringify(status);
      if (json === entry.lastStatus) return;
      try {
        await this.core.patchNamespacedPodStatus(
          {
            name: entry.pod.metadata?.name ?? '',
            namespace: entry.pod.metadata?.namespace ?? '',
            body: { status },
          },
          mergeStrategic,
        );
        entry.lastStatus = json;
      } catch (error) {
        if (isStatus(error, 404)) return;
        setTimeout(() => {
          this.statusChanged(entry);
        }, 1_000).unref();
        throw error;
      }
    });
  }

  private async terminate(entry: PodEntry, graceMs: number): Promise<void> {
    if (entry.done) return;
    entry.done = true;
    await entry.runtime?.stop(graceMs);
    if (entry.sandbox) {
      await removeSandbox(entry.sandbox);
      this.usedAddresses.delete(entry.sandbox.ip);
    }
  }

  /** The next free host address of the node's /24, after the last one given (so reuse is late). */
  private allocateAddress(node: RegisteredNode): string {
    for (let i = 0; i < 253; i += 1) {
      const host = 2 + ((this.sandboxIndex + i) % 253);
      const address = `${node.subnet.prefix}.${host}`;
      if (!this.usedAddresses.has(address)) {
        this.usedAddresses.add(address);
        return address;
      }
    }
    throw new Error(`no address left in ${node.subnet.cidr}`);
  }
}
