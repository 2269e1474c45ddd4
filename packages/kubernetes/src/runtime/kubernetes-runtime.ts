/**
 * The workload runtime of a cluster: a workload is a Deployment in the namespace named by its
 * environment, an instance is one of its pods. The Deployment carries everything the runtime
 * remembers (revision, replicas while stopped), so any process with the same access carries on.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  makeInformer,
  type Informer,
  type KubeConfig,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  AlreadyExistsError,
  ChangeStream,
  NotFoundError,
  ValidationError,
  refKey,
  refProblems,
  replicasProblems,
  validateWorkloadSpec,
  type WatchFilter,
  type WorkloadEvent,
  type WorkloadObservation,
  type WorkloadRef,
  type WorkloadRuntime,
  type WorkloadSpec,
  type WorkloadSpecInput,
} from '@codedance/core';
import { kubernetesFailure } from '../traffic/cluster-objects.js';
import {
  CONTAINER,
  deploymentName,
  deploymentOf,
  keptOf,
  podSelector,
  refOfObject,
  RUNTIME_LABEL,
  withReplicas,
} from './objects.js';
import { failureOutput, livePods, observationOf } from './observe.js';

export interface KubernetesRuntimeOptions {
  kubeconfig: KubeConfig;
  /** Epoch ms; `Date.now` by default. */
  clock?: () => number;
  /**
   * Read recent output through the pods' log API as well as from their last failures. Off
   * where no kubelet serves logs (the test cluster).
   */
  podLogs?: boolean;
  /** How long `stop` and `remove` wait for pods to end; 60 s by default. */
  stopWaitMs?: number;
  /** Told when a watcher throws and is dropped, and when a watch of the cluster fails. */
  onError?: (error: unknown) => void;
}

function statusOf(error: unknown): number | null {
  return error instanceof ApiException ? (error as ApiException<unknown>).code : null;
}

function checkedSpec(input: WorkloadSpecInput): WorkloadSpec {
  const result = validateWorkloadSpec(input);
  if (!result.ok) throw new ValidationError(result.problems, 'workload');
  return result.value;
}

function checkedRef(ref: WorkloadRef): WorkloadRef {
  const problems = refProblems(ref);
  if (problems.length > 0) throw new ValidationError(problems, 'workload');
  return { environment: ref.environment, name: ref.name };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs workloads as Deployments on a cluster. */
export class KubernetesRuntime implements WorkloadRuntime {
  readonly kind = 'kubernetes';
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #options: KubernetesRuntimeOptions;
  readonly #clock: () => number;
  readonly #stream: ChangeStream;
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Re-observations of watched workloads: one at a time per workload, the latest wins. */
  readonly #refreshing = new Map<string, { ref: WorkloadRef; again: boolean }>();
  #informers: { stop: () => Promise<void> }[] | null = null;
  #closed = false;

  constructor(options: KubernetesRuntimeOptions) {
    this.#options = options;
    this.#apps = options.kubeconfig.makeApiClient(AppsV1Api);
    this.#core = options.kubeconfig.makeApiClient(CoreV1Api);
    this.#clock = options.clock ?? (() => Date.now());
    this.#stream = new ChangeStream(this.#clock, (error) => options.onError?.(error));
  }

  async create(input: WorkloadSpecInput): Promise<WorkloadObservation> {
    const spec = checkedSpec(input);
    const ref = { environment: spec.environment, name: spec.name };
    const body = deploymentOf(spec, null);
    return this.#locked(ref, async () => {
      try {
        await this.#apps.createNamespacedDeployment({ namespace: ref.environment, body });
      } catch (error) {
        if (statusOf(error) === 409) throw new AlreadyExistsError('workload', refKey(ref));
        throw this.#failure('create', ref, error);
      }
      return this.#observed(ref);
    });
  }

  async update(input: WorkloadSpecInput): Promise<WorkloadObservation> {
    const spec = checkedSpec(input);
    const ref = { environment: spec.environment, name: spec.name };
    // Checked before the queue, so a spec this runtime cannot run is refused at once.
    deploymentOf(spec, null);
    return this.#locked(ref, async () => {
      await this.#rewrite(ref, (current) => deploymentOf(spec, current));
      return this.#observed(ref);
    });
  }

  async scale(ref: WorkloadRef, replicas: number): Promise<WorkloadObservation> {
    const checked = checkedRef(ref);
    const problems = replicasProblems(replicas);
    if (problems.length > 0) throw new ValidationError(problems, 'workload');
    return this.#locked(checked, async () => {
      await this.#rewrite(checked, (current) => withReplicas(current, replicas, false));
      return this.#observed(checked);
    });
  }

  async stop(ref: WorkloadRef): Promise<WorkloadObservation> {
    const checked = checkedRef(ref);
    return this.#locked(checked, async () => {
      await this.#rewrite(checked, (current) =>
        withReplicas(current, keptOf(current).replicas, true),
      );
      await this.#podsGone(checked);
      return this.#observed(checked);
    });
  }

  async remove(ref: WorkloadRef): Promise<boolean> {
    const checked = checkedRef(ref);
    return this.#locked(checked, async () => {
      try {
        await this.#apps.deleteNamespacedDeployment({
          name: deploymentName(checked),
          namespace: checked.environment,
          propagationPolicy: 'Background',
        });
      } catch (error) {
        if (statusOf(error) === 404) return false;
        throw this.#failure('delete', checked, error);
      }
      await this.#podsGone(checked);
      return true;
    });
  }

  async observe(ref: WorkloadRef): Promise<WorkloadObservation | null> {
    const checked = checkedRef(ref);
    const deployment = await this.#read(checked);
    if (deployment === null) return null;
    return observationOf(checked, deployment, await this.#pods(checked), this.#clock());
  }

  async recentOutput(ref: WorkloadRef, limit: number): Promise<string[]> {
    const checked = checkedRef(ref);
    const pods = (await this.#pods(checked)).sort((a, b) =>
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
    );
    const lines = failureOutput(pods);
    if (this.#options.podLogs === true) {
      for (const pod of livePods(pods)) {
        const log = await this.#core
          .readNamespacedPodLog({
            name: pod.metadata?.name ?? '',
            namespace: checked.environment,
            container: CONTAINER,
            tailLines: limit,
          })
          .catch(() => '');
        lines.push(...log.split('\n').filter((line) => line.trim() !== ''));
      }
    }
    return lines.slice(-Math.max(0, limit));
  }

  watch(filter: WatchFilter, listener: (event: WorkloadEvent) => void): () => void {
    const unsubscribe = this.#stream.subscribe(filter, listener);
    this.#startInformers();
    return unsubscribe;
  }

  /** Stops watching the cluster; pending operations finish. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stream.close();
    const informers = this.#informers ?? [];
    this.#informers = null;
    for (const informer of informers) await informer.stop();
  }

  /** Operations on one workload run in the order they were asked for. */
  #locked<T>(ref: WorkloadRef, work: () => Promise<T>): Promise<T> {
    const key = refKey(ref);
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.#queues.set(key, settled);
    void settled.then(() => {
      if (this.#queues.get(key) === settled) this.#queues.delete(key);
    });
    return next;
  }

  async #read(ref: WorkloadRef): Promise<V1Deployment | null> {
    try {
      return await this.#apps.readNamespacedDeployment({
        name: deploymentName(ref),
        namespace: ref.environment,
      });
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.#failure('read', ref, error);
    }
  }

  async #pods(ref: WorkloadRef): Promise<V1Pod[]> {
    try {
      const list = await this.#core.listNamespacedPod({
        namespace: ref.environment,
        labelSelector: podSelector(ref),
      });
      return list.items;
    } catch (error) {
      throw this.#failure('list the pods of', ref, error);
    }
  }

  /** Reads, changes and writes the Deployment, again when someone else wrote it meanwhile. */
  async #rewrite(ref: WorkloadRef, change: (current: V1Deployment) => V1Deployment): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const current = await this.#read(ref);
      if (current === null || current.metadata?.deletionTimestamp != null) {
        throw new NotFoundError('workload', refKey(ref));
      }
      try {
        await this.#apps.replaceNamespacedDeployment({
          name: deploymentName(ref),
          namespace: ref.environment,
          body: change(current),
        });
        return;
      } catch (error) {
        if (statusOf(error) === 409 && attempt < 5) continue;
        if (statusOf(error) === 404) throw new NotFoundError('workload', refKey(ref));
        throw this.#failure('update', ref, error);
      }
    }
  }

  async #observed(ref: WorkloadRef): Promise<WorkloadObservation> {
    const seen = await this.observe(ref);
    if (seen === null) throw new NotFoundError('workload', refKey(ref));
    return seen;
  }

  /** Waits until no pod of the workload is left, running or terminating. */
  async #podsGone(ref: WorkloadRef): Promise<void> {
    const deadline = this.#clock() + (this.#options.stopWaitMs ?? 60_000);
    while (this.#clock() < deadline) {
      const deployment = await this.#read(ref);
      const pods = await this.#pods(ref);
      const running = pods.filter(
        (p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
      );
      if (
        running.length === 0 &&
        (deployment === null || (deployment.status?.replicas ?? 0) === 0)
      ) {
        return;
      }
      await sleep(200);
    }
  }

  #failure(action: string, ref: WorkloadRef, error: unknown): Error {
    return kubernetesFailure(
      action,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ref.environment,
        name: deploymentName(ref),
      },
      error,
    );
  }

  /** Watches this runtime's Deployments and pods in every namespace, once there is a watcher. */
  #startInformers(): void {
    if (this.#informers !== null || this.#closed) return;
    const selector = `${RUNTIME_LABEL}=workload`;
    const kubeconfig = this.#options.kubeconfig;
    const deployments = makeInformer<V1Deployment>(
      kubeconfig,
      '/apis/apps/v1/deployments',
      () => this.#apps.listDeploymentForAllNamespaces({ labelSelector: selector }),
      selector,
    );
    const pods = makeInformer<V1Pod>(
      kubeconfig,
      '/api/v1/pods',
      () => this.#core.listPodForAllNamespaces({ labelSelector: selector }),
      selector,
    );
    this.#informers = [this.#follow(deployments), this.#follow(pods)];
  }

  /** Observes again the workload of every object the informer tells of, and starts it. */
  #follow<T extends KubernetesObject>(informer: Informer<T>): Informer<T> {
    const seen = (object: T) => {
      const ref = refOfObject(object.metadata ?? {});
      if (ref !== null) this.#refresh(ref);
    };
    informer.on('add', seen);
    informer.on('update', seen);
    informer.on('delete', seen);
    informer.on('error', (error: unknown) => {
      if (this.#closed) return;
      this.#options.onError?.(error);
      setTimeout(() => {
        if (!this.#closed) informer.start().catch((e: unknown) => this.#options.onError?.(e));
      }, 1_000).unref();
    });
    informer.start().catch((error: unknown) => this.#options.onError?.(error));
    return informer;
  }

  /** Observes a workload again and tells the watchers what changed. */
  #refresh(ref: WorkloadRef): void {
    const key = refKey(ref);
    const running = this.#refreshing.get(key);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const entry = { ref, again: false };
    this.#refreshing.set(key, entry);
    const run = async (): Promise<void> => {
      do {
        entry.again = false;
        try {
          const seen = await this.observe(ref);
          if (!this.#closed) this.#stream.update(ref, seen);
        } catch (error) {
          this.#options.onError?.(error);
        }
        // Set meanwhile by #refresh, which this loop does not see change.
      } while ((entry.again as boolean) && !this.#closed);
      this.#refreshing.delete(key);
    };
    void run();
  }
}
