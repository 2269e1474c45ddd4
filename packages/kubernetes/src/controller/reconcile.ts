/**
 * One pass over one CanaryDeployment: observe the cluster (the target and canary Deployments,
 * their pods, the data plane, a measurement), ask core's `decide` — the same decisions the local
 * runtime's releases take — and carry out its actions, each one idempotent or recorded in the
 * resource's status first. A controller killed at any point decides afresh from what it then
 * observes, so it never repeats a step it already took.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Deployment,
  type V1OwnerReference,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  decide,
  measureWindows,
  newDeployment,
  splitOfTable,
  tableOfSplit,
  type Action,
  type AppRef,
  type Measurement,
  type MetricsSource,
  type Observations,
  type TrafficRouter,
} from '@codedance/core';
import {
  CANARY_GROUP,
  CANARY_PLURAL,
  CANARY_VERSION,
  validateCanarySpec,
  type CanaryDeployment,
} from '../canary/index.js';
import {
  appSpecOf,
  canaryName,
  canaryTemplate,
  endpointsByVersion,
  imageOf,
  patchedContainer,
  resolvedTable,
  sideObservation,
  tableAsDecided,
  versionOfTemplate,
} from './release-world.js';
import { refusedStatus, releaseOf, statusOf, type ReleaseState } from './status.js';

/** Rounds of observe → decide → act one pass may take. */
const MAX_ROUNDS = 40;

/** Put on every CanaryDeployment the controller handles: its deletion waits for the cleanup. */
export const CLEANUP_FINALIZER = 'deploy.codedance.io/cleanup';

/** A write refused because the resource changed meanwhile (or leadership was lost). */
export class StaleWrite extends Error {}

export interface ReconcilerDeps {
  kubeconfig: KubeConfig;
  /** The data plane for a resource's provider. */
  traffic: (cr: CanaryDeployment) => TrafficRouter & { ensure?: EnsureRouter };
  metrics: (cr: CanaryDeployment) => MetricsSource;
  clock: () => number;
  /** False once this controller may no longer act (it lost its lease). */
  mayAct: () => boolean;
  log: (line: string) => void;
}

/** Makes the app's data plane exist (the built-in router's Deployment), owned by the target. */
type EnsureRouter = (app: AppRef, owner: V1OwnerReference | null) => Promise<void>;

function statusCode(error: unknown): number | null {
  return error instanceof ApiException ? (error as ApiException<unknown>).code : null;
}

interface Pass {
  cr: CanaryDeployment;
  state: ReleaseState;
  entry: AppRef;
  measured: Measurement | null;
}

/** Reconciles CanaryDeployments, one pass at a time. */
export class CanaryReconciler {
  readonly #apps: AppsV1Api;
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;

  constructor(private readonly deps: ReconcilerDeps) {
    this.#apps = deps.kubeconfig.makeApiClient(AppsV1Api);
    this.#core = deps.kubeconfig.makeApiClient(CoreV1Api);
    this.#custom = deps.kubeconfig.makeApiClient(CustomObjectsApi);
  }

  /** One pass; the resource as it was read, or null when it is gone. */
  async reconcile(namespace: string, name: string): Promise<void> {
    let cr = await this.#read(namespace, name);
    if (cr === null) return;
    if (cr.metadata.deletionTimestamp != null) {
      await this.#cleanup(cr);
      return;
    }
    if (!(cr.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      await this.#setFinalizers(cr, [...(cr.metadata.finalizers ?? []), CLEANUP_FINALIZER]);
      return;
    }
    const checked = validateCanarySpec(cr.spec);
    if (!checked.ok) {
      const first = checked.problems[0];
      const why = `spec${first?.path ?? ''}: ${first?.message ?? 'is not valid'}`;
      if (cr.status?.reason !== why)
        await this.#writeStatus(cr, refusedStatus(cr, why, this.#iso()));
      return;
    }
    cr.spec = checked.value;
    let traffic: ReturnType<ReconcilerDeps['traffic']>;
    try {
      traffic = this.deps.traffic(cr);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      if (cr.status?.reason !== why)
        await this.#writeStatus(cr, refusedStatus(cr, why, this.#iso()));
      return;
    }
    const target = await this.#deployment(namespace, cr.spec.targetDeployment);
    let state = releaseOf(cr);
    if (state === null) {
      if (target === null) {
        const why = `the target Deployment ${cr.spec.targetDeployment} does not exist`;
        if (cr.status?.reason !== why) {
          await this.#writeStatus(cr, refusedStatus(cr, why, this.#iso()));
        }
        return;
      }
      state = this.#begin(cr, target);
      cr = await this.#writeStatus(cr, statusOf(cr, state, this.#iso()));
      this.deps.log(`${namespace}/${name}: release of ${cr.spec.canaryVersion} begins`);
    }
    if (target === null) return;
    const entry: AppRef = {
      environment: namespace,
      app: cr.spec.targetDeployment,
      port: cr.spec.traffic?.port ?? 80,
    };
    await traffic.ensure?.(entry, ownerOf(target));
    const pass: Pass = { cr, state, entry, measured: null };
    // The app's size follows the target's replicas, which an autoscaler may own.
    pass.state.app = {
      ...pass.state.app,
      spec: {
        ...pass.state.app.spec,
        instances: Math.min(Math.max(target.spec?.replicas ?? 1, 1), 32),
      },
    };
    await this.#rounds(pass);
    await this.#finishHandover(pass);
  }

  #iso(): string {
    return new Date(this.deps.clock()).toISOString();
  }

  /** The release's first record: planned from the resource and the target as it is now. */
  #begin(cr: CanaryDeployment, target: V1Deployment): ReleaseState {
    const template = target.spec?.template ?? {};
    const container = patchedContainer(cr.spec, template);
    const stableVersion = versionOfTemplate(template, container);
    const replicas = target.spec?.replicas ?? 1;
    const spec = appSpecOf(
      cr.metadata.namespace ?? 'default',
      cr.spec,
      replicas,
      imageOf(template, container),
    );
    const now = this.deps.clock();
    const run = { command: imageOf(canaryTemplate(cr.spec, template), container) };
    const stable = {
      version: stableVersion,
      service: cr.spec.targetDeployment,
      instances: spec.instances,
      ready: target.status?.readyReplicas ?? 0,
      command: imageOf(template, container),
      traffic: 100,
      state: 'running' as const,
      port: null,
    };
    const record = newDeployment({
      id: `${cr.metadata.namespace ?? ''}.${cr.metadata.name ?? ''}.${cr.metadata.generation ?? 0}`,
      app: spec,
      version: cr.spec.canaryVersion,
      type: spec.strategy.type,
      run,
      executor: 'controller',
      stable,
      canaryService: canaryName(cr.spec.targetDeployment),
      now,
    });
    return {
      record,
      app: {
        spec,
        stable: { ...stable, run: { command: stable.command } },
        previous: null,
        lastDeployment: record.id,
        appliedAt: new Date(now).toISOString(),
      },
      stableTemplate: template,
      container,
      generation: cr.metadata.generation ?? 0,
      handover: 'none',
    };
  }

  async #rounds(pass: Pass): Promise<void> {
    let previous = '';
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const observations = await this.#observe(pass);
      const actions = decide(pass.state.record, observations, this.deps.clock());
      pass.measured = null;
      if (actions.length === 0) return;
      const asked = JSON.stringify(actions);
      if (asked === previous) return;
      previous = asked;
      for (const action of actions) await this.#act(pass, action);
    }
  }

  async #save(pass: Pass): Promise<void> {
    pass.cr = await this.#writeStatus(pass.cr, statusOf(pass.cr, pass.state, this.#iso()));
  }

  async #act(pass: Pass, action: Action): Promise<void> {
    const { cr, state } = pass;
    const namespace = cr.metadata.namespace ?? '';
    const target = cr.spec.targetDeployment;
    const canary = canaryName(target);
    switch (action.kind) {
      case 'save':
        state.record = action.record;
        await this.#save(pass);
        return;
      case 'saveApp':
        state.app = action.app;
        await this.#save(pass);
        return;
      case 'startSide':
        if (action.side.service === canary) await this.#ensureCanary(pass, action.instances);
        // The target's replicas are its owner's (a person, an autoscaler): never written here.
        return;
      case 'scaleSide':
        if (action.service === canary) await this.#scaleCanary(namespace, canary, action.instances);
        return;
      case 'stopSide':
        if (action.service === canary) await this.#deleteCanary(namespace, canary);
        else if (action.service === target) await this.#startHandover(pass);
        return;
      case 'setTable': {
        const endpoints = await this.#endpoints(pass);
        this.#mustLead();
        await this.deps
          .traffic(cr)
          .apply(pass.entry, splitOfTable(resolvedTable(action.table, endpoints)));
        return;
      }
      case 'runHook':
        // Hooks are not part of what the controller translates yet (see appSpecOf).
        return;
      case 'measure':
        pass.measured = await measureWindows(this.deps.metrics(cr), pass.entry, action);
        return;
    }
  }

  async #observe(pass: Pass): Promise<Observations> {
    const { cr, state } = pass;
    const namespace = cr.metadata.namespace ?? '';
    const target = cr.spec.targetDeployment;
    const canary = canaryName(target);
    const now = this.deps.clock();
    const timeout = state.app.spec.readinessTimeoutMs;
    const [targetDeployment, canaryDeployment] = await Promise.all([
      this.#deployment(namespace, target),
      this.#deployment(namespace, canary),
    ]);
    const [targetPods, canaryPods] = await Promise.all([
      this.#podsOf(targetDeployment),
      this.#podsOf(canaryDeployment),
    ]);
    // Once the target runs the new template, the old stable side is gone.
    const targetSide =
      state.handover === 'started'
        ? sideObservation(null, [], state.container, timeout, now)
        : sideObservation(targetDeployment, targetPods, state.container, timeout, now);
    const applied = await this.deps
      .traffic(cr)
      .current(pass.entry)
      .catch(() => null);
    const endpoints = endpointsByVersion([...targetPods, ...canaryPods], stableVersionOf(state));
    return {
      app: state.app,
      sides: {
        [target]: targetSide,
        [canary]: sideObservation(canaryDeployment, canaryPods, state.container, timeout, now),
      },
      router: {
        table:
          applied?.split === undefined
            ? null
            : tableAsDecided(tableOfSplit(applied.split), endpoints),
        servedBy: applied?.servedBy ?? null,
      },
      host: '',
      measured: pass.measured,
    };
  }

  async #endpoints(pass: Pass): Promise<Map<string, string[]>> {
    const namespace = pass.cr.metadata.namespace ?? '';
    const target = pass.cr.spec.targetDeployment;
    const deployments = await Promise.all([
      this.#deployment(namespace, target),
      this.#deployment(namespace, canaryName(target)),
    ]);
    const pods = (await Promise.all(deployments.map((d) => this.#podsOf(d)))).flat();
    return endpointsByVersion(pods, stableVersionOf(pass.state));
  }

  async #ensureCanary(pass: Pass, instances: number): Promise<void> {
    const { cr, state } = pass;
    const namespace = cr.metadata.namespace ?? '';
    const name = canaryName(cr.spec.targetDeployment);
    const target = await this.#deployment(namespace, cr.spec.targetDeployment);
    const template = canaryTemplate(cr.spec, state.stableTemplate);
    const selector = {
      ...(target?.spec?.selector.matchLabels ?? state.stableTemplate.metadata?.labels ?? {}),
      'deploy.codedance.io/version': cr.spec.canaryVersion,
    };
    const body: V1Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        namespace,
        labels: {
          'app.kubernetes.io/managed-by': 'codedance',
          'deploy.codedance.io/app': cr.spec.targetDeployment,
        },
        ownerReferences: [ownerOfCanary(cr)],
      },
      spec: { replicas: instances, selector: { matchLabels: selector }, template },
    };
    this.#mustLead();
    try {
      await this.#apps.createNamespacedDeployment({ namespace, body });
    } catch (error) {
      if (statusCode(error) !== 409) throw error;
      await this.#scaleCanary(namespace, name, instances);
    }
  }

  async #scaleCanary(namespace: string, name: string, replicas: number): Promise<void> {
    this.#mustLead();
    await this.#apps
      .replaceNamespacedDeploymentScale({
        name,
        namespace,
        body: { metadata: { name, namespace }, spec: { replicas } },
      })
      .catch((error: unknown) => {
        if (statusCode(error) !== 404) throw error;
      });
  }

  async #deleteCanary(namespace: string, name: string): Promise<void> {
    this.#mustLead();
    await this.#apps
      .deleteNamespacedDeployment({ name, namespace, propagationPolicy: 'Background' })
      .catch((error: unknown) => {
        if (statusCode(error) !== 404) throw error;
      });
  }

  /** Promotion: the target Deployment gets the canary's template (its replicas stay its own). */
  async #startHandover(pass: Pass): Promise<void> {
    const { cr, state } = pass;
    if (state.handover !== 'none') return;
    const namespace = cr.metadata.namespace ?? '';
    const target = await this.#deployment(namespace, cr.spec.targetDeployment);
    if (target?.spec === undefined) return;
    const template = canaryTemplate(cr.spec, state.stableTemplate);
    // The target's selector stays what it is: only the template's labels grow.
    target.spec.template = template;
    this.#mustLead();
    await this.#apps.replaceNamespacedDeployment({
      name: cr.spec.targetDeployment,
      namespace,
      body: target,
    });
    state.handover = 'started';
    await this.#save(pass);
    this.deps.log(
      `${namespace}/${cr.metadata.name ?? ''}: ${cr.spec.targetDeployment} runs ${cr.spec.canaryVersion} now`,
    );
  }

  /** Once the target has rolled out the new version, the canary Deployment goes. */
  async #finishHandover(pass: Pass): Promise<void> {
    const { cr, state } = pass;
    if (state.handover !== 'started' || state.app.previous !== null) return;
    const namespace = cr.metadata.namespace ?? '';
    const target = await this.#deployment(namespace, cr.spec.targetDeployment);
    const status = target?.status;
    const want = target?.spec?.replicas ?? 1;
    const rolled =
      status !== undefined &&
      (status.observedGeneration ?? 0) >= (target?.metadata?.generation ?? 0) &&
      (status.updatedReplicas ?? 0) >= want &&
      (status.readyReplicas ?? 0) >= want &&
      (status.replicas ?? 0) === want;
    if (!rolled) return;
    // The table first loses the canary's pods, so no request is sent to a pod on its way out.
    const applied = await this.deps
      .traffic(cr)
      .current(pass.entry)
      .catch(() => null);
    if (applied?.split !== undefined) {
      const endpoints = endpointsByVersion(await this.#podsOf(target), stableVersionOf(state));
      const table = resolvedTable(tableOfSplit(applied.split), endpoints);
      this.#mustLead();
      await this.deps.traffic(cr).apply(pass.entry, splitOfTable(table));
    }
    const stable = state.app.stable;
    if (stable !== null)
      state.app = { ...state.app, stable: { ...stable, service: cr.spec.targetDeployment } };
    await this.#deleteCanary(namespace, canaryName(cr.spec.targetDeployment));
    state.handover = 'done';
    await this.#save(pass);
  }

  /** The resource is being deleted: traffic back to the stable pods, the canary gone, then let go. */
  async #cleanup(cr: CanaryDeployment): Promise<void> {
    if (!(cr.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) return;
    const namespace = cr.metadata.namespace ?? '';
    const target = cr.spec.targetDeployment;
    const state = releaseOf(cr);
    if (state !== null && state.handover !== 'done' && state.record.status !== 'COMPLETED') {
      const targetDeployment = await this.#deployment(namespace, target);
      const entry: AppRef = {
        environment: namespace,
        app: target,
        port: cr.spec.traffic?.port ?? 80,
      };
      const endpoints = endpointsByVersion(
        await this.#podsOf(targetDeployment),
        stableVersionOf(state),
      );
      const version = stableVersionOf(state);
      const traffic = this.deps.traffic(cr);
      if ((await traffic.current(entry).catch(() => null)) !== null) {
        this.#mustLead();
        await traffic.apply(entry, {
          versions: [
            {
              version,
              weight: 100,
              target: {
                kind: 'endpoints',
                endpoints: (endpoints.get(version) ?? []).map((b) => {
                  const at = b.lastIndexOf(':');
                  return { host: b.slice(0, at), port: Number(b.slice(at + 1)) };
                }),
              },
            },
          ],
          stable: version,
          canary: null,
          headerRouting: state.app.spec.headerRouting,
          sticky: false,
        });
      }
    }
    if (state === null || state.record.status !== 'COMPLETED' || state.handover === 'done') {
      await this.#deleteCanary(namespace, canaryName(target));
    }
    await this.#setFinalizers(
      cr,
      (cr.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER),
    );
    this.deps.log(
      `${namespace}/${cr.metadata.name ?? ''}: deleted; traffic back on ${target}, canary removed`,
    );
  }

  #mustLead(): void {
    if (!this.deps.mayAct()) throw new StaleWrite('this controller no longer holds the lease');
  }

  async #read(namespace: string, name: string): Promise<CanaryDeployment | null> {
    try {
      return (await this.#custom.getNamespacedCustomObject({
        group: CANARY_GROUP,
        version: CANARY_VERSION,
        plural: CANARY_PLURAL,
        namespace,
        name,
      })) as CanaryDeployment;
    } catch (error) {
      if (statusCode(error) === 404) return null;
      throw error;
    }
  }

  async #writeStatus(
    cr: CanaryDeployment,
    status: NonNullable<CanaryDeployment['status']>,
  ): Promise<CanaryDeployment> {
    this.#mustLead();
    try {
      return (await this.#custom.replaceNamespacedCustomObjectStatus({
        group: CANARY_GROUP,
        version: CANARY_VERSION,
        plural: CANARY_PLURAL,
        namespace: cr.metadata.namespace ?? '',
        name: cr.metadata.name ?? '',
        body: { ...cr, status },
      })) as CanaryDeployment;
    } catch (error) {
      // Someone wrote it since it was read: this pass's view is stale, the next one reads again.
      if (statusCode(error) === 409) throw new StaleWrite('the resource changed meanwhile');
      throw error;
    }
  }

  async #setFinalizers(cr: CanaryDeployment, finalizers: string[]): Promise<void> {
    this.#mustLead();
    try {
      await this.#custom.replaceNamespacedCustomObject({
        group: CANARY_GROUP,
        version: CANARY_VERSION,
        plural: CANARY_PLURAL,
        namespace: cr.metadata.namespace ?? '',
        name: cr.metadata.name ?? '',
        body: { ...cr, metadata: Object.assign(structuredClone(cr.metadata), { finalizers }) },
      });
    } catch (error) {
      if (statusCode(error) === 409) throw new StaleWrite('the resource changed meanwhile');
      if (statusCode(error) !== 404) throw error;
    }
  }

  async #deployment(namespace: string, name: string): Promise<V1Deployment | null> {
    try {
      return await this.#apps.readNamespacedDeployment({ name, namespace });
    } catch (error) {
      if (statusCode(error) === 404) return null;
      throw error;
    }
  }

  async #podsOf(deployment: V1Deployment | null): Promise<V1Pod[]> {
    const labels = deployment?.spec?.selector.matchLabels;
    if (deployment === null || labels === undefined) return [];
    const selector = Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const list = await this.#core.listNamespacedPod({
      namespace: deployment.metadata?.namespace ?? '',
      labelSelector: selector,
    });
    const uid = deployment.metadata?.uid;
    // A target's selector also matches the canary's pods: keep the pods this Deployment owns.
    const sets = await this.#apps.listNamespacedReplicaSet({
      namespace: deployment.metadata?.namespace ?? '',
      labelSelector: selector,
    });
    const owned = new Set(
      sets.items
        .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === uid))
        .map((rs) => rs.metadata?.uid),
    );
    return list.items.filter((pod) => pod.metadata?.ownerReferences?.some((o) => owned.has(o.uid)));
  }
}

function stableVersionOf(state: ReleaseState): string {
  return state.record.previousVersion ?? 'stable';
}

function ownerOf(target: V1Deployment): V1OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: target.metadata?.name ?? '',
    uid: target.metadata?.uid ?? '',
  };
}

function ownerOfCanary(cr: CanaryDeployment): V1OwnerReference {
  return {
    apiVersion: `${CANARY_GROUP}/${CANARY_VERSION}`,
    kind: 'CanaryDeployment',
    name: cr.metadata.name ?? '',
    uid: cr.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
