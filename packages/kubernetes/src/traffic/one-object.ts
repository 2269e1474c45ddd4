/**
 * A provider whose whole data plane for an app is one object named after the app (an HTTPRoute,
 * a VirtualService): it builds the object from the split, applies it, reads the weights back
 * from it, and deletes it.
 */
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { AppliedSplit, AppRef, TrafficRouter, TrafficSplit } from '@codedance/core';
import { appliedAt, ClusterObjects, type ObjectRef } from './cluster-objects.js';
import {
  managedLabels,
  serviceRoutes,
  versionsAnnotation,
  VERSIONS_ANNOTATION,
  weightsByVersion,
  type ServiceRoute,
} from './split.js';

/** An object with a spec, as a provider writes it: named, in the app's namespace. */
export type SpecObject<S> = KubernetesObject & { spec: S };
type Named<S> = SpecObject<S> & { metadata: { name: string; namespace: string } };

export abstract class OneObjectTrafficRouter<S extends object> implements TrafficRouter {
  abstract readonly name: string;
  protected abstract readonly apiVersion: string;
  protected abstract readonly kind: string;
  readonly #objects: ClusterObjects;

  constructor(kubeconfig: KubeConfig) {
    this.#objects = new ClusterObjects(kubeconfig);
  }

  /** The object's spec for a split. */
  protected abstract spec(split: TrafficSplit, routes: ServiceRoute[]): S;

  /** The (Service, weight) pairs the object's weighted route holds. */
  protected abstract backends(object: SpecObject<S>): { service: string; weight: number }[];

  #ref(app: AppRef): ObjectRef {
    return {
      apiVersion: this.apiVersion,
      kind: this.kind,
      namespace: app.environment,
      name: app.app,
    };
  }

  /** The object a split becomes; `apply` writes exactly this. */
  object(app: AppRef, split: TrafficSplit): Named<S> {
    const routes = serviceRoutes(this.name, split);
    const ref = this.#ref(app);
    return {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: {
        name: ref.name,
        namespace: ref.namespace,
        labels: managedLabels(app),
        annotations: { [VERSIONS_ANNOTATION]: versionsAnnotation(routes) },
      },
      spec: this.spec(split, routes),
    };
  }

  async apply(app: AppRef, split: TrafficSplit): Promise<void> {
    await this.#objects.apply(this.object(app, split));
  }

  async current(app: AppRef): Promise<AppliedSplit | null> {
    const object = await this.#objects.read<SpecObject<S>>(this.#ref(app));
    if (object === null) return null;
    return {
      weights: weightsByVersion(this.backends(object), object.metadata?.annotations),
      appliedAt: appliedAt(object),
    };
  }

  async remove(app: AppRef): Promise<void> {
    await this.#objects.delete(this.#ref(app));
  }
}
