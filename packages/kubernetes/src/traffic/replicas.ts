/**
 * Replica ratio: every version's pods sit behind the app's one Service, so each version takes
 * about its share of the ready pods. Applying a split scales each version's Deployment (found by
 * its `deploy.codedance.io/app` and `deploy.codedance.io/version` labels) through the scale
 * subresource, keeping the app's total; what is in force is the share of ready replicas.
 *
 * Any cluster can do this, but coarsely (a 5 % step on 4 replicas is 25 %), and it can neither
 * pin a request by header nor keep a client on its version.
 */
import {
  AppsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import {
  NotFoundError,
  type AppliedSplit,
  type AppRef,
  type TrafficRouter,
  type TrafficSplit,
} from '@codedance/core';
import { kubernetesFailure } from './cluster-objects.js';
import { replicaCounts } from './replica-counts.js';
import { APP_LABEL, percentages, unsupported, VERSION_LABEL } from './split.js';

export interface ReplicasSettings {
  /** The app's replicas across its versions; by default what its Deployments add up to now. */
  replicas?: number;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Carries a split by scaling each version's Deployment. */
export class ReplicasTrafficRouter implements TrafficRouter {
  readonly name = 'replicas';
  readonly #apps: AppsV1Api;
  readonly #settings: ReplicasSettings;

  constructor(kubeconfig: KubeConfig, settings: ReplicasSettings = {}) {
    this.#apps = kubeconfig.makeApiClient(AppsV1Api);
    this.#settings = settings;
  }

  /** The app's Deployments by version. */
  async #deployments(app: AppRef): Promise<Map<string, V1Deployment>> {
    const namespace = app.environment;
    try {
      const list = await this.#apps.listNamespacedDeployment({
        namespace,
        labelSelector: `${APP_LABEL}=${app.app}`,
      });
      const byVersion = new Map<string, V1Deployment>();
      for (const deployment of list.items) {
        const version = deployment.metadata?.labels?.[VERSION_LABEL];
        if (version !== undefined) byVersion.set(version, deployment);
      }
      return byVersion;
    } catch (error) {
      throw kubernetesFailure(
        'list the Deployments of',
        { apiVersion: 'apps/v1', kind: 'app', namespace, name: app.app },
        error,
      );
    }
  }

  async #scale(deployment: V1Deployment, replicas: number): Promise<void> {
    const name = deployment.metadata?.name ?? '';
    const namespace = deployment.metadata?.namespace ?? '';
    try {
      await this.#apps.patchNamespacedDeploymentScale(
        { name, namespace, body: { spec: { replicas } } },
        merge,
      );
    } catch (error) {
      throw kubernetesFailure(
        'scale',
        { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name },
        error,
      );
    }
  }

  async apply(app: AppRef, split: TrafficSplit): Promise<void> {
    if (split.headerRouting && split.canary !== null) {
      throw unsupported(
        this.name,
        'pin a request by its x-canary header: every pod of the app sits behind one Service. Set traffic.headerRouting to false, or use gatewayAPI, nginx or istio.',
      );
    }
    if (split.sticky) {
      throw unsupported(
        this.name,
        'keep a client on one version: every pod of the app sits behind one Service. Set traffic.sticky to false, or use gatewayAPI, nginx or istio.',
      );
    }
    const deployments = await this.#deployments(app);
    for (const route of split.versions) {
      if (route.weight > 0 && !deployments.has(route.version)) {
        throw new NotFoundError(
          'Deployment',
          `${app.environment}/${app.app} version ${route.version} (labels ${APP_LABEL}=${app.app}, ${VERSION_LABEL}=${route.version})`,
        );
      }
    }
    const listed = split.versions.flatMap((route) => {
      const deployment = deployments.get(route.version);
      return deployment === undefined
        ? []
        : [{ ...route, deployment, now: deployment.spec?.replicas ?? 0 }];
    });
    const total = listed.reduce((sum, r) => sum + r.now, 0);
    const counts = replicaCounts(this.#settings.replicas ?? Math.max(total, 1), listed);
    // Up before down, so the app never runs on fewer pods than it should while the split moves.
    const changes = listed
      .map((route) => ({ ...route, replicas: counts.get(route.version) ?? 0 }))
      .filter((route) => route.replicas !== route.now)
      .sort((a, b) => b.replicas - b.now - (a.replicas - a.now));
    for (const { deployment, replicas } of changes) await this.#scale(deployment, replicas);
  }

  async current(app: AppRef): Promise<AppliedSplit | null> {
    const deployments = await this.#deployments(app);
    if (deployments.size === 0) return null;
    const ready = new Map<string, number>();
    for (const [version, deployment] of deployments) {
      ready.set(version, deployment.status?.readyReplicas ?? 0);
    }
    // Scaling is asynchronous: no single moment says when the pods took the split.
    return { weights: percentages(ready), appliedAt: null };
  }

  /** The provider owns no object of its own: nothing to take down. */
  remove(_app: AppRef): Promise<void> {
    // The Deployments belong to the release; they are deleted with it.
    return Promise.resolve();
  }
}
